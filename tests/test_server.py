"""The real Oxigraph server: start on a free loopback port, push the graph, ask every stored query."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.request

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from conftest import exo_onto_exe
from exo_onto.query_results import compare_expected, same_answer
from exo_onto.querying import embedded_store, list_queries, load_query, resolve_bindings, run_embedded, run_remote
from exo_onto.serving import OxigraphServer, free_port, push_graph

NAMES = [q.name for q in list_queries()]
KG = "https://w3id.org/exo-onto/kg"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server(graph):
    """One Oxigraph server for the module, loaded through the Graph Store Protocol, always stopped."""
    srv = OxigraphServer(port=free_port())
    srv.start()
    try:
        assert push_graph(graph, srv.store_endpoint) == len(graph)
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


def test_the_pushed_graph_has_every_triple(server, graph):
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
    assert len(run_remote(q, server.query_endpoint, resolve_bindings(q)).rows) == 2  # nothing was dropped


def test_push_into_a_named_graph_is_answered_too(graph, store):
    with OxigraphServer() as srv:
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
    with OxigraphServer() as srv:
        r = cli("push", "--endpoint", srv.store_endpoint, "--graph", KG)
        assert r.code == 0, r.err
        assert f"pushed {len(graph)} triples" in r.out
        r = cli("query", "mirna-targets", "--endpoint", srv.query_endpoint, "--format", "csv")
        assert r.code == 0, r.err
        assert "CL:0002540,25,mirbase.mature:MIMAT0000092,hsa-miR-92a-3p,HGNC:12784,WNT5A" in r.out


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
