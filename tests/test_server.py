"""The real Oxigraph server: load the graph, serve it read-only on a free loopback port, ask every stored query.

Pushing through the Graph Store Protocol is checked against a server started ``writable=True``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.request

import pytest
from rdflib import Graph, Literal, URIRef
from SPARQLWrapper import JSON, SPARQLWrapper

from conftest import exo_onto_exe
from exo_onto.io.sparql import QueryError
from exo_onto.publish.serve import OxigraphServer, PortInUseError, ServerError, free_port, push_graph
from exo_onto.query.results import compare_expected, expected_path, read_expected_rows, same_answer
from exo_onto.query.stored import embedded_store, list_queries, load_query, resolve_bindings, run_embedded, run_remote

NAMES = [q.name for q in list_queries()]
KG = "https://w3id.org/exo-onto/kg"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server(graph):
    """One read-only Oxigraph server for the module, bulk-loaded before it starts, always stopped."""
    srv = OxigraphServer(port=free_port(), data=graph)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
    assert not srv.running and not port_open(srv.port)


@pytest.fixture(scope="module")
def store():
    return embedded_store()


def test_server_listens_on_loopback_only(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert server.process.args[server.process.args.index("--bind") + 1] == f"127.0.0.1:{server.port}"


def test_query_page_works_in_a_browser(server):
    with urllib.request.urlopen(server.url + "/", timeout=10) as r:
        assert r.status == 200
        assert r.headers.get_content_type() == "text/html"
        assert "Oxigraph" in r.read().decode("utf-8")


def test_the_loaded_graph_has_every_triple(server, graph):
    client = SPARQLWrapper(server.query_endpoint)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    n = int(client.query().convert()["results"]["bindings"][0]["n"]["value"])
    assert n == len(graph)


@pytest.mark.parametrize("name", NAMES)
def test_every_stored_query_gives_the_embedded_answer_through_the_server(name, server, store):
    q = load_query(name)
    b = resolve_bindings(q)
    remote = run_remote(q, server.query_endpoint, b)  # SPARQLWrapper over HTTP
    assert same_answer(run_embedded(q, b, store), remote) == []
    assert compare_expected(q, remote) == []


def test_parameters_and_a_hostile_value_through_the_server(server, store):
    q = load_query("marker-across-studies")
    b = resolve_bindings(q, {"marker": "HGNC:7159"})
    assert same_answer(run_embedded(q, b, store), run_remote(q, server.query_endpoint, b)) == []
    q = load_query("label-lookup")
    b = resolve_bindings(q, {"label": '"} ; DROP ALL ; #'})
    assert run_remote(q, server.query_endpoint, b).rows == []
    q = load_query("mirna-targets")
    expected = read_expected_rows(expected_path(q))[1]  # four genes: WNT5A [25], RalA [28], mTOR [30], PTEN [32]
    assert len(run_remote(q, server.query_endpoint, resolve_bindings(q)).rows) == len(expected) == 4  # nothing dropped


def test_push_into_a_named_graph_is_answered_too(graph, store):
    with OxigraphServer(writable=True) as srv:
        push_graph(graph, srv.store_endpoint, graph_iri=KG)
        client = SPARQLWrapper(srv.query_endpoint)
        client.setQuery(f"ASK WHERE {{ GRAPH <{KG}> {{ ?f a <https://w3id.org/exo-onto/Finding> }} }}")
        client.setReturnFormat(JSON)
        assert client.query().convert()["boolean"] is True
        q = load_query("mirna-targets")
        b = resolve_bindings(q)
        assert same_answer(run_embedded(q, b, store), run_remote(q, srv.query_endpoint, b)) == []
    assert not srv.running and not port_open(srv.port)


def test_push_command_loads_any_gsp_store(cli, graph):
    with OxigraphServer(writable=True) as srv:
        r = cli("push", "--endpoint", srv.store_endpoint, "--graph", KG)
        assert r.code == 0, r.err
        assert f"pushed {len(graph)} triples" in r.out
        r = cli("query", "mirna-targets", "--endpoint", srv.query_endpoint, "--format", "csv")
        assert r.code == 0, r.err
        assert ("CL:0002540,mesenchymal stem cell of the bone marrow,25,mirbase.mature:MIMAT0000092,hsa-miR-92a-3p,"
                "hgnc:12784,WNT5A,RO:0002436,molecularly interacts with,mscexo:Decreased,decreased") in r.out


def test_serve_command_prints_its_url_answers_and_stops(tmp_path):
    port = free_port()
    proc = subprocess.Popen([exo_onto_exe(), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:(\d+))/", line)
        assert m and int(m.group(2)) == port, line + proc.stderr.read() if proc.poll() is not None else line
        q = load_query("comparisons")
        result = run_remote(q, m.group(1) + "/query", resolve_bindings(q))
        assert compare_expected(q, result) == []
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not port_open(port), "serve must stop the oxigraph server it started"


def test_the_server_is_read_only_unless_asked(server, graph):
    with pytest.raises(QueryError, match="answered HTTP 403"):
        push_graph(graph, server.store_endpoint, timeout=60)
    assert server.process.args[1] == "serve-read-only"
    assert server.process.args[server.process.args.index("--timeout-s") + 1] == "60"
    client = SPARQLWrapper(server.query_endpoint)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert int(client.query().convert()["results"]["bindings"][0]["n"]["value"]) == len(graph)


def tiny_graph(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.add((URIRef(f"http://example.org/{name}"), URIRef("http://example.org/p"), Literal(name)))
    return g


def count(srv: OxigraphServer, where: str = "{ ?s ?p ?o }") -> int:
    client = SPARQLWrapper(srv.query_endpoint)
    client.setQuery(f"SELECT (COUNT(*) AS ?n) WHERE {where}")
    client.setReturnFormat(JSON)
    return int(client.query().convert()["results"]["bindings"][0]["n"]["value"])


def test_a_taken_port_is_refused_before_anything_is_loaded(tmp_path):
    with OxigraphServer(data=tiny_graph("a")) as other:
        mine = OxigraphServer(location=tmp_path / "db", port=other.port, data=tiny_graph("x", "y"))
        with pytest.raises(PortInUseError, match=f"port {other.port} .* in use"):
            mine.start()
        assert not mine.running
        assert not (tmp_path / "db").exists(), "nothing may be loaded for a refused port"
        assert count(other) == 1


def test_port_zero_gets_the_port_the_server_really_listens_on():
    with OxigraphServer() as srv:
        assert srv.port > 0 and port_open(srv.port)
        assert count(srv) == 0
        pid, location = srv.pid, srv.location
        assert location is not None and location.name.startswith(f"exo-onto-oxigraph-{os.getpid()}-")
    assert not port_open(srv.port)
    assert not location.exists(), "the temporary database is removed"
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_a_kept_location_gets_the_new_graph_and_keeps_named_graphs(tmp_path):
    db = tmp_path / "db"
    with OxigraphServer(location=db, data=tiny_graph("a", "b"), writable=True) as srv:
        push_graph(tiny_graph("n"), srv.store_endpoint, graph_iri=KG, timeout=60)
    with OxigraphServer(location=db, data=tiny_graph("c")) as srv:  # the default graph is replaced
        assert count(srv, "{ ?s ?p 'c' }") == 1 and count(srv, "{ ?s ?p 'a' }") == 0
        assert count(srv, f"{{ GRAPH <{KG}> {{ ?s ?p ?o }} }}") == 1
    assert db.is_dir(), "a location the user gave is kept"


def test_an_oxigraph_store_is_served_by_its_default_graph():
    """`exo-onto serve` hands the server the store `check` loads (no rdflib graph built first): its default
    graph is served, and a named graph in it (one another tool put there, say) is not."""
    import pyoxigraph as ox

    store = ox.Store()
    p = ox.NamedNode("http://example.org/p")
    store.add(ox.Quad(ox.NamedNode("http://example.org/a"), p, ox.Literal("a")))
    store.add(ox.Quad(ox.NamedNode("http://example.org/b"), p, ox.Literal("b"), ox.NamedNode(KG)))
    with OxigraphServer(data=store) as srv:
        assert count(srv) == 1 and count(srv, "{ ?s ?p 'a' }") == 1


def test_a_folder_that_is_not_a_database_is_refused_untouched(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"chapter one")
    srv = OxigraphServer(location=folder, data=tiny_graph("a"))
    with pytest.raises(ServerError, match="neither empty nor an Oxigraph database"):
        srv.start()
    assert [p.name for p in folder.iterdir()] == ["thesis.docx"]
    assert (folder / "thesis.docx").read_bytes() == b"chapter one"


def test_data_oxigraph_rejects_is_one_line(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://example.org/a b> <http://example.org/p> <http://example.org/o> .\n", encoding="utf-8")
    with pytest.raises(ServerError) as info:
        OxigraphServer(data=[bad]).start()
    assert "\n" not in str(info.value) and "backtrace" not in str(info.value).lower()
    assert "could not load" in str(info.value)


def test_one_server_per_kept_location(tmp_path):
    db = tmp_path / "db"
    with OxigraphServer(location=db, data=tiny_graph("a")) as first:
        with pytest.raises(ServerError, match="in use by another exo-onto server"):
            OxigraphServer(location=db, data=tiny_graph("b")).start()
        assert count(first, "{ ?s ?p 'a' }") == 1
    with OxigraphServer(location=db) as again:  # the lock went with the first server
        assert count(again, "{ ?s ?p 'a' }") == 1
