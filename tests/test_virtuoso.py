"""Virtuoso 7 (Debian's ``virtuoso-opensource-7-bin``): load the graph with ``exo-onto push``, ask every stored query.

The store runs as the test's own user in a temporary folder with its own ``virtuoso.ini`` (database,
log and lock files there, both ports on 127.0.0.1), is loaded through the CLI's Graph Store Protocol
push into a named graph, and answers every stored query as the embedded store does and as its
expected answer says. It is stopped at the end of the module; every wait has a deadline.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import exo_onto_exe
from exo_onto.publish.serve import free_port
from exo_onto.query.results import cell, compare_expected, expected_path, read_expected_rows, same_answer
from exo_onto.query.stored import (
    embedded_store,
    list_queries,
    load_query,
    parse_header,
    resolve_bindings,
    run_embedded,
    run_remote,
)

NAMES = [q.name for q in list_queries()]
KG = "https://w3id.org/exo-onto/kg"
START_SECONDS = 180  # a first start creates the database files
INSTALL = ("Virtuoso 7 is required for this test: run `bash scripts/ensure-system-deps.sh` as root "
           "(it installs virtuoso-opensource-7-bin), or install that package yourself")

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
DirsAllowed = {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass
class Virtuoso:
    process: subprocess.Popen
    folder: Path
    sql_port: int
    http_port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def isql(self, statement: str, timeout: float = 60) -> str:
        """Run one SQL statement as dba through isql-vt; a failure is a test failure with Virtuoso's message."""
        p = subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba",
                            f"exec={statement}"], capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0 or "*** Error" in p.stdout + p.stderr:
            pytest.fail(f"isql-vt {statement!r} failed: {(p.stdout + p.stderr).strip()}")
        return p.stdout

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def sparql_answers(endpoint: str) -> bool:
    query = urllib.parse.urlencode({"query": "ASK WHERE { ?s ?p ?o }"})
    try:
        with urllib.request.urlopen(f"{endpoint}?{query}", timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (Virtuoso checkpoints and exits), then SIGKILL after 60 s: nothing outlives the module."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    exe = shutil.which("virtuoso-t")
    if exe is None or shutil.which("isql-vt") is None:
        pytest.fail(INSTALL)
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port = free_port()
    http_port = free_port()
    while http_port == sql_port:
        http_port = free_port()
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql_port, http=http_port), encoding="utf-8")
    with open(folder / "stdout.log", "wb") as out:
        process = subprocess.Popen([exe, "+foreground", "+configfile", str(folder / "virtuoso.ini")], cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    store = Virtuoso(process, folder, sql_port, http_port)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (port_open(sql_port) and sparql_answers(store.endpoint)):
            if process.poll() is not None:
                pytest.fail(f"virtuoso-t exited with status {process.returncode}: {store.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Virtuoso did not answer on {store.endpoint} within {START_SECONDS} s: {store.log()}")
            time.sleep(0.5)
        # The Graph Store Protocol endpoint runs as the SQL user SPARQL, which may not write by default.
        store.isql('GRANT SPARQL_UPDATE TO "SPARQL";')
        yield store
    finally:
        stop(process)
    assert process.returncode is not None and not port_open(sql_port) and not port_open(http_port)


@pytest.fixture(scope="module")
def loaded(virtuoso, graph):
    """The graph, pushed by ``exo-onto push`` into a named graph (queries without GRAPH see the union)."""
    r = subprocess.run([exo_onto_exe(), "push", "--endpoint", virtuoso.graph_store, "--graph", KG],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"pushed {len(graph)} triples" in r.stdout
    return virtuoso


@pytest.fixture(scope="module")
def store():
    return embedded_store()


def count(endpoint: str, where: str) -> int:
    q = parse_header(f"# Returns: ?n\nSELECT (COUNT(*) AS ?n) WHERE {where}", "count", Path("count.rq"))
    return int(run_remote(q, endpoint).rows[0][0])


def test_the_pushed_graph_has_every_triple(loaded, graph):
    assert count(loaded.endpoint, f"{{ GRAPH <{KG}> {{ ?s ?p ?o }} }}") == len(graph)


@pytest.mark.parametrize("name", NAMES)
def test_every_stored_query_gives_its_expected_answer_on_virtuoso(name, loaded, store):
    q = load_query(name)
    b = resolve_bindings(q)
    remote = run_remote(q, loaded.endpoint, b)
    assert compare_expected(q, remote) == []
    assert same_answer(run_embedded(q, b, store), remote) == []


@pytest.mark.parametrize("name", [q.name for q in list_queries() if q.param("lang") is not None])
def test_chinese_labels_on_virtuoso_as_on_the_embedded_store(name, loaded, store):
    q = load_query(name)
    b = resolve_bindings(q, lang="zh")
    remote = run_remote(q, loaded.endpoint, b)
    assert same_answer(run_embedded(q, b, store), remote) == []
    labels = [t for r in remote.rows for c, t in zip(remote.columns, r, strict=True) if c.endswith("_label") and t]
    assert labels and any(t.language == "zh" for t in labels)


def test_ask_true_and_false_over_http(loaded):
    """Virtuoso answers ASK as a SELECT of ?__ASK_RETVAL (a row of 1, or none): read as true and false."""
    q = load_query("has-in-vivo-evidence")
    assert run_remote(q, loaded.endpoint, resolve_bindings(q)).boolean is True  # SMSC: rats [28], [29]
    assert run_remote(q, loaded.endpoint, resolve_bindings(q, {"source": "CL:0002570"})).boolean is False  # AD-MSC


def test_parameters_and_a_hostile_value_on_virtuoso(loaded, store):
    q = load_query("marker-across-studies")
    b = resolve_bindings(q, {"marker": "hgnc:7159"}, lang="zh")
    assert same_answer(run_embedded(q, b, store), run_remote(q, loaded.endpoint, b)) == []
    q = load_query("label-lookup")
    assert run_remote(q, loaded.endpoint, resolve_bindings(q, {"label": '"} ; DROP ALL ; #'})).rows == []
    q = load_query("mirna-targets")
    assert len(run_remote(q, loaded.endpoint, resolve_bindings(q)).rows) == len(
        read_expected_rows(expected_path(q))[1])  # nothing was dropped


def test_a_missing_chinese_label_falls_back_to_english_on_virtuoso(loaded):
    """WNT5A without its Chinese label (deleted for this test, then put back): --lang zh shows "WNT5A"@en."""
    label = '<https://identifiers.org/hgnc:12784> <http://www.w3.org/2000/01/rdf-schema#label> "WNT5A"@zh'
    q = load_query("mirna-targets")
    loaded.isql(f"SPARQL DELETE DATA {{ GRAPH <{KG}> {{ {label} }} }};")
    try:
        result = run_remote(q, loaded.endpoint, resolve_bindings(q, lang="zh"))
    finally:
        loaded.isql(f"SPARQL INSERT DATA {{ GRAPH <{KG}> {{ {label} }} }};")
    target, target_label = result.columns.index("target"), result.columns.index("target_label")
    shown = {cell(r[target]): r[target_label] for r in result.rows}
    assert str(shown["hgnc:12784"]) == "WNT5A" and shown["hgnc:12784"].language == "en"
    assert shown["hgnc:3942"].language == "zh" and str(shown["hgnc:3942"]) == "mTOR"


def test_the_quirks_the_readme_documents(loaded):
    """Why the stored queries are written as they are: what this Virtuoso does with the plain forms."""
    def ask(text: str) -> dict:
        data = urllib.parse.urlencode({"query": text}).encode()
        request = urllib.request.Request(loaded.endpoint, data=data,
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read())

    wnt5a = "<https://identifiers.org/hgnc:12784>"
    rdfs = "<http://www.w3.org/2000/01/rdf-schema#label>"
    # A VALUES-bound ?lang is not seen in an OPTIONAL's FILTER: the label stays unbound.
    doc = ask(f'SELECT ?l WHERE {{ VALUES (?lang) {{ ("en") }} ?x {rdfs} "WNT5A"@en . '
              f'OPTIONAL {{ ?x {rdfs} ?l FILTER (LANGMATCHES(LANG(?l), ?lang)) }} }}')
    assert doc["results"]["bindings"] == [{}]
    # The stored queries' form: the same label, found.
    doc = ask(f'SELECT ?l WHERE {{ VALUES (?lang) {{ ("en") }} OPTIONAL {{ {wnt5a} {rdfs} ?en '
              f'FILTER (LANGMATCHES(LANG(?en), "en")) }} BIND (IF(?lang = "zh", ?en, ?en) AS ?l) }}')
    assert doc["results"]["bindings"][0]["l"]["value"] == "WNT5A"
    # A comparison comes back as the integer 1, the xsd:boolean cast as "1"^^xsd:boolean.
    doc = ask("SELECT ((1 > 0) AS ?b) (<http://www.w3.org/2001/XMLSchema#boolean>(1 > 0) AS ?c) WHERE { }")
    row = doc["results"]["bindings"][0]
    assert row["b"]["datatype"].endswith("#integer") and row["c"]["datatype"].endswith("#boolean")
    # ASK over HTTP is a SELECT of ?__ASK_RETVAL.
    assert ask("ASK WHERE { ?s ?p ?o }")["head"]["vars"] == ["__ASK_RETVAL"]
