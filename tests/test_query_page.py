"""The query page ``exo-onto serve`` shows at its root, in Debian's Chromium, with the network cut off.

One ``exo-onto serve --port 0`` (as a user starts it) serves the module. Every request the browser
makes is recorded, and any that would leave 127.0.0.1 is aborted and fails the test: the page must
work offline (Oxigraph's stock page loads its editor from a CDN and calls prefix.cc).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph

from conftest import ROOT, exo_onto_exe
from exo_onto.query.stored import load_query, resolve_bindings, run_embedded

START_DEADLINE = 240  # loading the graph on 2 shared cores
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def served():
    """``exo-onto serve --port 0``; yields (url, oxigraph pid); stopped with SIGTERM at the end."""
    proc = subprocess.Popen([exo_onto_exe(), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=dict(os.environ))
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in iter(proc.stdout.readline, ""):
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    url, pid, end = "", 0, time.monotonic() + START_DEADLINE
    try:
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if m := re.search(r"(http://127\.0\.0\.1:\d+)/$", line.strip()):
                url = url or m.group(1)
            if m := re.search(r"server process (\d+)", line):
                pid = int(m.group(1))
            if line.startswith("Press Ctrl-C"):
                break
        assert url and pid, f"serve did not start within {START_DEADLINE} s"
        yield url, pid
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read()


def request(method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None
            ) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def offline(browser, served):
    """A page whose every request is recorded; one that would leave 127.0.0.1 is aborted."""
    url, _ = served
    here = urllib.parse.urlsplit(url).netloc
    context = browser.new_context()
    seen: list[str] = []
    left: list[str] = []

    def route(r) -> None:
        seen.append(r.request.url)
        if urllib.parse.urlsplit(r.request.url).netloc == here:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url + "/")
    yield page, seen, left
    context.close()


def choose(page, name: str) -> None:
    option = next(o for o in page.locator("#example option").all_inner_texts() if o.startswith(name + ":"))
    page.select_option("#example", label=option)


def run(page) -> None:
    page.evaluate("document.getElementById('results').replaceChildren()")
    page.click("#run")
    page.wait_for_selector("#results > *", timeout=WAIT_MS)


def test_the_page_has_the_projects_prefixes_and_every_stored_query(offline):
    page, seen, left = offline
    assert "exo-onto" in page.title()
    stored = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    offered = [o.split(":", 1)[0] for o in page.locator("#example option").all_inner_texts()[1:]]
    assert offered == stored
    blank = page.input_value("#query")
    for line in ("PREFIX mscexo: <https://w3id.org/exo-onto/>", "PREFIX obo: <http://purl.obolibrary.org/obo/>",
                 "PREFIX biolink: <https://w3id.org/biolink/vocab/>", "PREFIX hgnc: <https://identifiers.org/hgnc:>"):
        assert line in blank
    run(page)
    assert page.locator("#results table tr").count() == 26  # the header and LIMIT 25
    assert left == [], f"requests left 127.0.0.1: {left}"
    assert seen


def test_a_stored_query_runs_as_the_embedded_store_answers_it(offline):
    page, _, left = offline
    q = load_query("mirna-targets")
    choose(page, "mirna-targets")
    assert page.locator("#question").inner_text() == q.question_en
    run(page)
    expected = run_embedded(q, resolve_bindings(q))
    rows = page.locator("#results table tr")
    assert rows.count() == len(expected.rows) + 1
    text = page.locator("#results").inner_text()
    for shown in ("hsa-miR-92a-3p", "WNT5A", "hgnc:12784", "CL:0002540"):  # labels, and IRIs as CURIEs
        assert shown in text
    assert "https://identifiers.org" not in text
    page.select_option("#lang", "zh")  # the same question, labels in Chinese
    assert page.locator("#question").inner_text() == q.question_zh
    assert re.search(r'VALUES \(\?lang\) \{ \("zh"\) \}', page.input_value("#query"))
    run(page)
    assert "@zh" in page.locator("#results").inner_text()
    assert left == []


def test_a_construct_query_shows_its_graph_and_an_error_shows_the_servers_message(offline):
    page, _, left = offline
    choose(page, "study-subgraph")
    run(page)
    turtle = page.locator("#results pre.graph").inner_text()
    assert "<https://w3id.org/exo-onto/Finding>" in turtle and len(Graph().parse(data=turtle, format="turtle")) > 10
    page.fill("#query", "SELECT * WHERE { ?s ?p }")
    run(page)
    error = page.locator("#results .error").inner_text()
    assert error.startswith("HTTP 400") and len(error.splitlines()) > 1
    assert left == []


def test_the_page_may_talk_to_its_own_server_only(served):
    url, _ = served
    status, headers, body = request("GET", url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert b"prefix.cc" not in body and not re.search(rb"(src|href)=\"(https?:)?//", body)
    status, headers, body = request("HEAD", url + "/")
    assert status == 200 and body == b""


def test_a_page_on_another_host_name_is_refused(served):
    """DNS rebinding: a web page whose name now points at 127.0.0.1 must not read through the server."""
    url, _ = served
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, _, _ = request("GET", f"{url}/query?{query}", headers={"Host": "evil.example:80"})
    assert status == 403
    status, _, body = request("GET", f"{url}/query?{query}", headers={"Host": "localhost", "Accept": "text/csv"})
    assert status == 200 and b"true" in body.lower()


def test_a_large_answer_comes_through_whole(served, graph):
    url, _ = served
    body = urllib.parse.urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"}).encode()
    status, _, answer = request("POST", url + "/query", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                             "Accept": "application/n-triples"})
    assert status == 200
    assert len(Graph().parse(data=answer.decode("utf-8"), format="nt")) == len(graph)


def test_writes_through_the_page_are_still_refused(served, graph):
    url, pid = served
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = request("POST", url + "/update", b"update=DROP+ALL", {**form, "Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = request("PUT", url + "/store?default", b"<http://a> <http://b> <http://c> .",
                           {"Content-Type": "application/n-triples"})
    assert status == 403
    status, _, body = request("POST", url + "/query", urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).encode(), {**form, "Accept": "text/csv"})
    assert status == 200 and int(body.split()[-1]) == len(graph)
    args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    assert b"serve-read-only" in args
