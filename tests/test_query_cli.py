"""``exo-onto query`` as a user runs it: listing, formats, parameters, and one-line errors."""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
import time

import pytest

from exo_onto.publish.serve import OxigraphServer, free_port
from exo_onto.query.results import expected_path, read_expected_rows
from exo_onto.query.stored import list_queries, load_query


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
    assert "parameters: marker=HGNC:2200" in r.out


def test_the_mirna_question_in_one_command(cli):
    r = cli("query", "mirna-targets")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["source", "ref", "mirna", "mirna_label", "target", "target_label", "relation",
                                "direction"]
    assert any(ln.split() == ["CL:0002540", "25", "mirbase.mature:MIMAT0000092", "hsa-miR-92a-3p",
                              "HGNC:12784", "WNT5A", "RO:0002436", "mscexo:Decreased"] for ln in lines)
    _, expected = read_expected_rows(expected_path(load_query("mirna-targets")))
    assert f"({len(expected)} rows)" in r.out


def test_chinese_labels_and_csv(cli):
    r = cli("query", "open-problems", "--lang", "zh", "--format", "csv")
    assert r.code == 0, r.err
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert {row["problem_label"] for row in rows} >= {"提高外泌体产出", "体外保存外泌体制剂的条件"}


def test_json_is_sparql_results_json_with_full_iris(cli):
    r = cli("query", "storage-conditions", "--format", "json")
    doc = json.loads(r.out)
    assert doc["head"]["vars"] == ["subject", "condition", "temperature_celsius", "condition_label"]
    subjects = {b["subject"]["value"] for b in doc["results"]["bindings"]}
    assert subjects == {"http://purl.obolibrary.org/obo/GO_0070062"}


def test_ask_and_construct(cli):
    r = cli("query", "has-in-vivo-evidence", "--param", "source=CL:0002570")
    assert (r.code, r.out.strip()) == (0, "false")
    r = cli("query", "study-subgraph", "--format", "ttl", "--param", "ref=30")
    assert r.code == 0, r.err
    assert "mscexo:prep-30-ipfpmsc-exo" in r.out and "biolink:has_evidence obo:ECO_0006185" in r.out


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
