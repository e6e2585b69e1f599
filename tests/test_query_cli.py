"""``exo-onto query`` as a user runs it: listing, formats, parameters, and one-line errors."""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import threading
import time

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from exo_onto.publish.serve import OxigraphServer, free_port
from exo_onto.query.embedded import term_shown
from exo_onto.query.results import cell, expected_path, read_expected_rows
from exo_onto.query.stored import list_queries, load_query
from exo_onto.shacl.report import shorten


def no_traceback(r) -> None:
    assert "Traceback" not in r.out + r.err


def one_error_line(r) -> str:
    assert r.code != 0
    no_traceback(r)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("error: ")
    return lines[0]


def test_list_shows_twenty_questions_in_both_languages(cli):
    r = cli("query", "--list")
    assert r.code == 0, r.err
    for q in list_queries():
        assert q.name in r.out and q.question_en in r.out and q.question_zh in r.out
    assert len(list_queries()) >= 20
    assert f"{len(list_queries())} stored queries" in r.out
    assert "parameters: marker=hgnc:2200, lang=en" in r.out


MIRNA_COLUMNS = ["source", "source_label", "ref", "mirna", "mirna_label", "target", "target_label", "relation",
                 "relation_label", "direction", "direction_label"]


def test_the_mirna_question_in_one_command(cli):
    r = cli("query", "mirna-targets")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == MIRNA_COLUMNS
    # A table cell is padded, not quoted: the labels (with spaces) sit between their CURIEs.
    assert any(re.fullmatch(r"CL:0002540 +mesenchymal stem cell of the bone marrow +25 +mirbase\.mature:MIMAT0000092 +"
                            r"hsa-miR-92a-3p +hgnc:12784 +WNT5A +RO:0002436 +molecularly interacts with +"
                            r"mscexo:Decreased +decreased", ln) for ln in lines), r.out
    _, expected = read_expected_rows(expected_path(load_query("mirna-targets")))
    assert f"({len(expected)} rows)" in r.out


def test_chinese_labels_and_csv(cli):
    r = cli("query", "open-problems", "--lang", "zh", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert {row["problem_label"] for row in rows} >= {"提高外泌体产出", "体外保存外泌体制剂的条件"}
    r = cli("query", "mirna-targets", "--lang", "zh", "--format", "csv")
    rows = {row["target"]: row for row in csv.DictReader(io.StringIO(r.out))}
    # The labels the TBox gives in Chinese (ontology/imports, ontology/exo-onto.ttl): --lang zh changes them.
    assert (rows["hgnc:3942"]["target_label"], rows["hgnc:3942"]["relation_label"]) == ("mTOR", "影响")
    assert rows["hgnc:12784"]["source_label"] == "骨髓间充质干细胞"
    assert rows["hgnc:12784"]["direction_label"] == "下调/减少"


def test_json_is_sparql_results_json_with_full_iris(cli):
    r = cli("query", "storage-conditions", "--format", "json")
    doc = json.loads(r.out)
    assert doc["head"]["vars"] == ["subject", "subject_label", "condition", "condition_label", "temperature_celsius"]
    subjects = {b["subject"]["value"] for b in doc["results"]["bindings"]}
    assert subjects == {"http://purl.obolibrary.org/obo/GO_0070062"}
    labels = {(b["condition_label"]["value"], b["condition_label"]["xml:lang"]) for b in doc["results"]["bindings"]}
    assert labels == {("short-term storage at 4 °C", "en"), ("long-term storage at −80 °C", "en")}


def test_ask_and_construct(cli):
    r = cli("query", "has-in-vivo-evidence", "--param", "source=CL:0002570")
    assert (r.code, r.out.strip()) == (0, "false")
    r = cli("query", "study-subgraph", "--format", "ttl", "--param", "ref=30")
    assert r.code == 0, r.err
    g = Graph().parse(data=r.out, format="turtle")
    # The findings keep their IRIs (mscexo:finding-1.5-01 … -11 of ontology/kg/findings-1.5.ttl cite [30]).
    findings = {cell(f) for f in g.subjects(RDF.type, URIRef("https://w3id.org/exo-onto/Finding"))}
    assert findings == {f"mscexo:finding-1.5-{n:02d}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)}
    # Turtle writes CURIEs as the table does: CL:…, ECO:…, hgnc:…, not obo:ECO_….
    assert "mscexo:prep-30-ipfpmsc-exo" in r.out and "biolink:has_evidence ECO:0006185" in r.out
    assert "biolink:object hgnc:3942" in r.out and "obo:ECO_" not in r.out


def test_one_curie_spelling_in_every_printer(cli):
    """A table, CSV, a Turtle answer, the QC report and the validation report spell an IRI the same way:
    the prefix map's casing (hgnc:, as the Turtle files write it) and OBO IDs as CL:0002540."""
    table = cli("query", "gene-chain").out
    csv_text = cli("query", "gene-chain", "--format", "csv").out
    turtle = cli("query", "study-subgraph", "--format", "ttl", "--param", "ref=28").out
    assert "PREFIX hgnc: <https://identifiers.org/hgnc:>" in turtle
    for text in (table, csv_text, turtle):
        body = "\n".join(line for line in text.splitlines() if not line.startswith("PREFIX "))
        assert "hgnc:16262" in body or "hgnc:12784" in body
        assert "HGNC:" not in body and "identifiers.org" not in body and "purl.obolibrary" not in body
    assert "RO:0002213" in table and "RO:0002213" in csv_text and "RO:0002213" in turtle
    for iri, short in [("https://identifiers.org/hgnc:16262", "hgnc:16262"), ("http://purl.obolibrary.org/obo/RO_0002213",
                        "RO:0002213"), ("http://www.ebi.ac.uk/efo/EFO_0004905", "EFO:0004905"),
                       ("https://w3id.org/exo-onto/prep-24-bmsc-exo", "mscexo:prep-24-bmsc-exo"),
                       ("https://w3id.org/exo-onto/np/RAabc", "<https://w3id.org/exo-onto/np/RAabc>")]:
        assert cell(URIRef(iri)) == shorten(iri) == term_shown(ox.NamedNode(iri)) == short
    qc = cli("qc")
    assert qc.code == 0, qc.err
    entities = [line.split("\t")[2] for line in cli("qc", "--tsv").out.splitlines()[1:]]
    assert entities and all(e.startswith("mscexo:") for e in entities), entities[:5]
    assert "https://w3id.org/exo-onto/" not in qc.out


def test_to_df_for_notebooks(tmp_path):
    """QueryResult.to_df(): the columns of the answer, CURIEs, Python numbers and booleans, None for unbound."""
    import pandas as pd

    from exo_onto.query.stored import run_query

    df = run_query("mirna-targets")
    frame = df.to_df()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == MIRNA_COLUMNS
    assert len(frame) == len(df.rows)
    row = frame[frame["target"] == "hgnc:3942"].iloc[0]
    assert (row["ref"], row["target_label"], row["relation"]) == (30, "MTOR", "mscexo:affects")
    assert frame[frame["target"] == "hgnc:9588"].iloc[0]["direction"] is None
    full = df.to_df(curies=False)
    assert set(full["target"]) >= {"https://identifiers.org/hgnc:3942"}
    gaps = run_query("misev-gaps").to_df()
    assert set(gaps["separation"]) <= {True, False} and gaps["source_species"].any()
    assert run_query("has-in-vivo-evidence").to_df().to_dict("list") == {"boolean": [True]}
    triples = run_query("study-subgraph").to_df()
    assert list(triples.columns) == ["subject", "predicate", "object"]
    assert "mscexo:finding-1.5-01" in set(triples["subject"])


def usage_error(r) -> str:
    """A click usage error: exit status 2, the reason on the last line of stderr, nothing on stdout."""
    assert r.code == 2, (r.code, r.out, r.err)
    no_traceback(r)
    assert r.out == ""
    return r.err.strip().splitlines()[-1]


def test_ttl_is_refused_for_a_table(cli):
    line = usage_error(cli("query", "comparisons", "--format", "ttl"))
    assert "--format ttl cannot show the answer of a SELECT query" in line


def test_a_query_file_by_path(cli, tmp_path):
    f = tmp_path / "mine.rq"
    f.write_text("PREFIX mscexo: <https://w3id.org/exo-onto/>\n"
                 "SELECT ?n WHERE { ?s mscexo:sectionNumber ?n . FILTER (?n = \"1.4\") }\n", encoding="utf-8")
    r = cli("query", str(f), "--format", "csv")
    assert (r.code, r.out.strip()) == (0, "n\n1.4")


def test_hostile_parameter_is_data(cli):
    r = cli("query", "label-lookup", "--param", 'label="} ; DROP ALL ; #')
    assert r.code == 0, r.err
    assert "(0 rows)" in r.out
    rows = len(read_expected_rows(expected_path(load_query("mirna-targets")))[1])
    assert f"({rows} rows)" in cli("query", "mirna-targets").out  # nothing was dropped


# --- errors: one line, non-zero exit, no traceback ----------------------------------------

def test_unknown_query_name(cli):
    line = one_error_line(cli("query", "no-such-question"))
    assert "unknown query 'no-such-question'" in line and "mirna-targets" in line


def test_malformed_query_gives_line_and_column(cli, tmp_path):
    f = tmp_path / "bad.rq"
    f.write_text("PREFIX obo: <http://purl.obolibrary.org/obo/>\nSELECT ?s\nWHERE {\n  ?s obo:RO_0002213 ?o ,, .\n}\n",
                 encoding="utf-8")
    line = one_error_line(cli("query", str(f)))
    assert f"{f}:4:" in line and "SPARQL syntax error" in line


def test_missing_parameter(cli, tmp_path):
    f = tmp_path / "needs.rq"
    f.write_text("# Question (en): What does this term say?\n# Parameters:\n"
                 "#   ?term (iri, required): the term\n# Returns: ?p, ?o\n"
                 "SELECT ?p ?o WHERE { ?term ?p ?o }\n", encoding="utf-8")
    line = one_error_line(cli("query", str(f)))
    assert "missing parameter 'term'" in line and "--param term=" in line
    assert cli("query", str(f), "--param", "term=CL:0000134").code == 0


def test_unknown_and_malformed_parameters(cli):
    assert "has no parameter 'colour'" in one_error_line(cli("query", "mirna-targets", "--param", "colour=red"))
    assert "NAME=VALUE" in one_error_line(cli("query", "mirna-targets", "--param", "lang"))
    assert "not a valid IRI" in one_error_line(cli("query", "marker-across-studies", "--param", "marker=<a b>"))


def test_unreachable_endpoint(cli):
    port = free_port()  # nobody listens there
    line = one_error_line(cli("query", "mirna-targets", "--endpoint", f"http://127.0.0.1:{port}/query"))
    assert f"cannot reach endpoint http://127.0.0.1:{port}/query" in line
    line = one_error_line(cli("push", "--endpoint", f"http://127.0.0.1:{port}/store"))
    assert "cannot reach endpoint" in line


class _Stub(http.server.BaseHTTPRequestHandler):
    """A misbehaving endpoint: /slow never answers in time, /broken fails with 500, /refuse with 403."""

    def _answer(self) -> None:
        # Read the whole request first: answering before the client has sent a large body (a push)
        # makes the client fail with a broken pipe instead of seeing the HTTP status.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/slow"):
            time.sleep(3)
        code = 500 if self.path.startswith("/broken") else 403
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"stub says no\nsecond line")
        except OSError:
            pass  # the client gave up (timeout test)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stub():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def test_http_4xx_and_5xx(cli, stub):
    line = one_error_line(cli("query", "comparisons", "--endpoint", f"{stub}/broken"))
    assert "answered HTTP 500" in line and "stub says no second line" in line
    line = one_error_line(cli("query", "comparisons", "--endpoint", f"{stub}/refuse"))
    assert "answered HTTP 403" in line
    line = one_error_line(cli("push", "--endpoint", f"{stub}/broken"))
    assert "answered HTTP 500" in line


def test_http_404_from_a_real_server(cli):
    with OxigraphServer() as srv:
        line = one_error_line(cli("query", "comparisons", "--endpoint", f"{srv.url}/no-such-endpoint"))
    assert "answered HTTP 404" in line


def test_timeout(cli, stub):
    line = one_error_line(cli("query", "comparisons", "--endpoint", f"{stub}/slow", "--timeout", "1"))
    assert "did not answer within 1 s" in line
    line = one_error_line(cli("push", "--endpoint", f"{stub}/slow", "--timeout", "1"))
    assert "did not answer within 1 s" in line
