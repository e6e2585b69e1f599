"""Hostile inputs for ``exo-onto serve`` and ``exo-onto push`` (issue 11), run as a user runs them.

Each test starts the real command as a subprocess, attacks it the way the issue did (writes from
any local process or web page, a taken port, kill -9, SIGHUP, bad numbers, a store that answers
before reading the body or drips its answer), and checks the outcome, the exit status, and that
no output holds a traceback. Every wait has a deadline.
"""

from __future__ import annotations

import http.server
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, exo_onto_exe
from exo_onto.publish import serve as serving
from exo_onto.publish.serve import OxigraphServer, free_port, remove_stale_databases

START_DEADLINE = 240  # loading the graph on 2 shared cores


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "backtrace" not in text.lower(), text


def one_error_line(err: str) -> str:
    no_traceback(err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


def gone(pid: int) -> bool:
    """The process has ended (a zombie that nobody has reaped yet counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def wait_until(condition, deadline: float, what: str) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {deadline} s: {what}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def request(method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def count_triples(url: str) -> int:
    query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).encode()
    status, body = request("POST", url + "/query", query,
                        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    assert status == 200, body
    return int(body.decode().split()[-1])


class Serve:
    """``exo-onto serve ARGS`` as a subprocess; its banner gives the URL and the server's pid."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([exo_onto_exe(), "serve", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                     env={**os.environ, **(env or {})})
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out, True), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.err, False), daemon=True)]
        for t in self._readers:
            t.start()
        self.url = ""
        self.server_pid = 0

    def _read(self, stream, sink: list[str], announce: bool) -> None:
        for line in iter(stream.readline, ""):
            sink.append(line)
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    def wait_banner(self) -> Serve:
        end = time.monotonic() + START_DEADLINE
        while time.monotonic() < end:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            if m := re.search(r"(http://127\.0\.0\.1:\d+)/$", line.strip()):
                self.url = self.url or m.group(1)
            if m := re.search(r"server process (\d+)", line):
                self.server_pid = int(m.group(1))
            if line.startswith("Press Ctrl-C"):
                assert self.url and self.server_pid, self.text
                assert self.server_pid in children(self.proc.pid), "the server is serve's own child"
                return self
        raise AssertionError(f"serve did not start within {START_DEADLINE} s: {self.text}")

    def wait_err(self, wanted, seconds: float = 10.0) -> bool:
        """Whether a line of stderr satisfies ``wanted`` within ``seconds``: stderr has its own reader thread,
        so a warning printed before the banner may reach ``err`` after the banner reached ``out``."""
        end = time.monotonic() + seconds
        while not any(wanted(ln) for ln in self.err):
            if time.monotonic() > end:
                return False
            time.sleep(0.05)
        return True

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def text(self) -> str:
        return "".join(self.out) + "".join(self.err)

    def finish(self, deadline: float = 60) -> int:
        try:
            code = self.proc.wait(timeout=deadline)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            for t in self._readers:
                t.join(timeout=10)
        return code

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.finish()
        if self.server_pid and not gone(self.server_pid):  # never leave a server behind a failed test
            os.kill(self.server_pid, signal.SIGKILL)


class Listener:
    """A TCP port somebody else owns: counts the connections and the bytes it is sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    self.received += conn.recv(65536)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture(scope="module")
def served():
    """One ``exo-onto serve --port 0`` as a user starts it, with a 1 s query timeout."""
    s = Serve("--port", "0", "--query-timeout", "1")
    try:
        yield s.wait_banner()
    finally:
        s.stop()


# --- serve: read-only by default ------------------------------------------------------------------


def test_serve_is_read_only_for_every_kind_of_write(served, graph):
    url = served.url
    assert count_triples(url) == len(graph)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = {
        "update DROP ALL": ("POST", "/update", urllib.parse.urlencode({"update": "DROP ALL"}).encode(), form),
        "update body": ("POST", "/update", b"CLEAR DEFAULT", {"Content-Type": "application/sparql-update"}),
        "PUT /store": ("PUT", "/store?default", b"<http://a> <http://b> <http://c> .",
                       {"Content-Type": "application/n-triples"}),
        "POST /store": ("POST", "/store?default", b"<http://a> <http://b> <http://c> .",
                        {"Content-Type": "application/n-triples"}),
        "DELETE /store": ("DELETE", "/store?default", None, {}),
        # what a web page in the user's browser can send without CORS (a cross-site form post)
        "CSRF form": ("POST", "/update", b"update=DROP+ALL",
                      {**form, "Origin": "http://evil.example", "Referer": "http://evil.example/"}),
    }
    for what, (method, path, data, headers) in attempts.items():
        status, body = request(method, url + path, data, headers)
        assert 400 <= status < 500, f"{what} answered {status} {body[:200]!r}"
    assert count_triples(url) == len(graph), "no write changed the data"
    args = Path(f"/proc/{served.server_pid}/cmdline").read_bytes().split(b"\0")
    assert b"serve-read-only" in args and b"serve" not in args
    assert args[args.index(b"--bind") + 1].startswith(b"127.0.0.1:"), "loopback only"
    assert args[args.index(b"--timeout-s") + 1] == b"1"


def test_serve_never_fetches_a_url_for_load(served):
    target = Listener()
    try:
        update = f"LOAD <http://127.0.0.1:{target.port}/data.ttl>"
        status, _ = request("POST", served.url + "/update", urllib.parse.urlencode({"update": update}).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded"})
        time.sleep(0.5)
        assert 400 <= status < 500
        assert target.connections == 0 and target.received == b""
    finally:
        target.close()


def test_a_heavy_query_is_stopped_by_the_server(served, graph):
    """A join of every triple with every other (64 M rows, each compared). Oxigraph checks its deadline
    while it produces rows, so this is stopped at 1 s; a count over three copies took it 6 to 10 s, and
    the queries it does not stop are in the README's Safety section."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER (STR(?c) < STR(?f)) }"
    started = time.monotonic()
    status, body = request("POST", served.url + "/query", urllib.parse.urlencode({"query": query}).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"}, timeout=120)
    elapsed = time.monotonic() - started
    assert b"cancelled" in body or status >= 400, (status, body[:300])
    assert elapsed < 60, f"the 1 s server-side timeout took {elapsed:.0f} s"
    assert count_triples(served.url) == len(graph), "the server still answers"


def test_writable_only_when_asked():
    s = Serve("--port", "0", "--writable")
    try:
        s.wait_banner()
        assert "WRITABLE" in "".join(s.out)
        assert s.wait_err(lambda ln: "--writable" in ln and "web page" in ln), s.text
        assert count_triples(s.url) > 0
        status, _ = request("POST", s.url + "/update", urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
                         {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 204
        assert count_triples(s.url) == 0
    finally:
        s.stop()
    no_traceback(s.text)


# --- serve: a port somebody else listens on --------------------------------------------------------


def test_a_taken_port_is_refused_before_loading_and_nothing_is_sent():
    other = Listener()
    try:
        # a project that does not even parse: the port must be refused before it is read
        env = {"EXO_ONTO_HOME": str(ROOT / "no-such-project")}
        r = subprocess.run([exo_onto_exe(), "serve", "--port", str(other.port)], capture_output=True, text=True,
                           cwd=ROOT, env={**os.environ, **env}, timeout=120)
        time.sleep(0.3)
        assert r.returncode == 2, r.stdout + r.stderr
        line = one_error_line(r.stderr)
        assert f"port {other.port}" in line and "in use" in line
        assert r.stdout == ""
        assert other.received == b"", "serve sent data to a server it did not start"
        assert other.connections == 0
    finally:
        other.close()


def test_another_oxigraph_on_the_port_keeps_its_data(tmp_path):
    from rdflib import Graph, Literal, URIRef

    mine = Graph()
    mine.add((URIRef("http://example.org/keep"), URIRef("http://example.org/p"), Literal("me")))
    with OxigraphServer(data=mine, writable=True) as other:  # the case: a writable store
        r = subprocess.run([exo_onto_exe(), "serve", "--port", str(other.port)], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "in use" in one_error_line(r.stderr)
        assert "Oxigraph SPARQL server" not in r.stdout
        assert count_triples(other.url) == 1
        assert other.running


# --- serve: the server never outlives serve ----------------------------------------------------------


def test_kill_9_of_serve_leaves_no_server():
    s = Serve("--port", "0")
    try:
        s.wait_banner()
        tmp = list(Path(tempfile.gettempdir()).glob(f"exo-onto-oxigraph-{s.proc.pid}-*"))
        assert len(tmp) == 1, "the temporary database is named after serve's pid"
        s.proc.kill()  # SIGKILL: serve cannot clean up
        assert s.finish(30) == -signal.SIGKILL
        wait_until(lambda: gone(s.server_pid), 20, f"oxigraph {s.server_pid} ends after kill -9 of serve")
        wait_until(lambda: not port_open(s.port), 20, "nobody listens on the port")
        assert tmp[0] in remove_stale_databases(tmp[0].parent), "the next server sweeps the killed one's database"
        assert not tmp[0].exists()
    finally:
        s.stop()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT], ids=["HUP", "TERM", "INT"])
def test_hangup_terminate_and_ctrl_c_stop_the_server_and_clean_up(sig):
    s = Serve("--port", "0")
    try:
        s.wait_banner()
        tmp = list(Path(tempfile.gettempdir()).glob(f"exo-onto-oxigraph-{s.proc.pid}-*"))
        s.proc.send_signal(sig)
        assert s.finish(60) == 0, s.text
        assert "stopping" in "".join(s.out)
        wait_until(lambda: gone(s.server_pid), 20, "oxigraph ends with serve")
        assert not port_open(s.port)
        assert tmp and not tmp[0].exists(), "the temporary database is removed"
    finally:
        s.stop()
    no_traceback(s.text)


# --- serve: bad numbers are usage errors ------------------------------------------------------------


@pytest.mark.parametrize("args", [["--port", "70000"], ["--port", "-1"], ["--port", "http"],
                                  ["--query-timeout", "0"], ["--query-timeout", "-5"], ["--query-timeout", "nan"],
                                  ["--query-timeout", "inf"], ["--query-timeout", "1e300"]])
def test_bad_numbers_are_usage_errors(cli, args):
    r = cli("serve", *args)
    assert r.code == 2, r.out + r.err
    no_traceback(r.out, r.err)
    assert f"Invalid value for '{args[0]}'" in r.err
    assert "Oxigraph SPARQL server" not in r.out


def test_a_project_oxigraph_cannot_take_is_one_line(cli, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", project / "ontology")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    (project / "ontology" / "kg" / "zz-space.ttl").write_text(
        '<http://example.org/a b> <http://example.org/p> "x" .\n', encoding="utf-8")
    for args in (["serve", "--port", "0"], ["push", "--endpoint", f"http://127.0.0.1:{free_port()}/store"]):
        r = cli(*args, env={"EXO_ONTO_HOME": str(project)})
        assert r.code == 1, r.out + r.err
        no_traceback(r.out, r.err)
        errors = [ln for ln in r.err.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1, r.err
        assert "zz-space.ttl" in errors[0] or "a b" in errors[0]
        assert "Oxigraph SPARQL server" not in r.out


# --- push -------------------------------------------------------------------------------------------------


class _EarlyError(http.server.BaseHTTPRequestHandler):
    """Answers 500 at once, without reading the body, and closes: what a store out of space does."""

    def do_PUT(self) -> None:
        self.server.requests += 1  # type: ignore[attr-defined]
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"disk full\n\x1b[31mred\x1b[0m")
        self.close_connection = True

    do_POST = do_PUT

    def log_message(self, *args: object) -> None:
        pass


class _Drip(http.server.BaseHTTPRequestHandler):
    """Reads the request, then sends its answer one byte every 0.3 s: never idle long enough to time out."""

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000
        try:
            for i in range(len(answer)):
                self.wfile.write(answer[i:i + 1])
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


def stub(handler: type[http.server.BaseHTTPRequestHandler]):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.requests = 0  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_push_reads_the_status_of_a_store_that_fails_before_reading_the_body(cli):
    srv = stub(_EarlyError)
    try:
        endpoint = f"http://127.0.0.1:{srv.server_address[1]}/store"
        for args in ([], ["--append"]):
            r = cli("push", "--endpoint", endpoint, *args)
            assert r.code == 1, r.out + r.err
            line = one_error_line(r.err)
            assert "answered HTTP 500" in line and "disk full" in line
            assert "Broken pipe" not in line and "reset" not in line
            assert "\x1b" not in r.err, "the store's escape sequences do not reach the terminal"
        assert srv.requests == 2
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("watch", [True, False], ids=["sees-the-early-answer", "after-a-broken-pipe"])
def test_the_status_is_read_even_when_the_body_cannot_be_sent(monkeypatch, watch):
    """66 MB cannot sit in socket buffers: the server's close breaks the send (``False``: TLS's path)."""
    send = serving._send_body
    monkeypatch.setattr(serving, "_send_body", lambda sock, body, deadline, watch_replies: send(
        sock, body, deadline, watch_replies and watch))
    srv = stub(_EarlyError)
    try:
        body = b"<http://a> <http://b> <http://c> .\n" * 2_000_000
        status, reason, detail, _ = serving.http_exchange(
            "PUT", f"http://127.0.0.1:{srv.server_address[1]}/store", body,
            {"Content-Type": "application/n-triples"}, timeout=120)
        assert (status, detail[:9]) == (500, b"disk full")
    finally:
        srv.shutdown()
        srv.server_close()


def test_push_timeout_is_a_total_deadline(cli):
    srv = stub(_Drip)
    try:
        started = time.monotonic()
        r = cli("push", "--endpoint", f"http://127.0.0.1:{srv.server_address[1]}/store", "--timeout", "3")
        elapsed = time.monotonic() - started
        assert r.code == 1, r.out + r.err
        assert "did not answer within 3 s" in one_error_line(r.err)
        assert elapsed < 60, f"a 3 s deadline took {elapsed:.0f} s"  # loading the graph takes a few seconds
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("endpoint", ["notaurl", "ftp://127.0.0.1/store", "http://", "http://127.0.0.1:99999/store",
                                      "http://127.0.0.1:7878/st ore", "http://127.0.0.1:7878/\x1b[2Jstore"])
def test_push_to_a_malformed_endpoint_is_one_line_and_exit_2(cli, endpoint):
    r = cli("push", "--endpoint", endpoint)
    assert r.code == 2, r.out + r.err
    line = one_error_line(r.err)
    assert "endpoint" in line and "\x1b" not in line
    assert r.out == ""


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_push_refuses_a_timeout_that_is_no_deadline(cli, value):
    r = cli("push", "--endpoint", "http://127.0.0.1:7878/store", "--timeout", value)
    assert r.code == 2, r.out + r.err
    no_traceback(r.out, r.err)
    assert "Invalid value for '--timeout'" in r.err


def test_push_to_nobody_is_one_line(cli):
    port = free_port()
    r = cli("push", "--endpoint", f"http://127.0.0.1:{port}/store", "--timeout", "10")
    assert r.code == 1
    assert f"cannot reach endpoint http://127.0.0.1:{port}/store" in one_error_line(r.err)


def test_a_location_that_is_not_a_database_is_refused_before_loading(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"chapter one")
    env = {**os.environ, "EXO_ONTO_HOME": str(tmp_path / "no-such-project")}  # refused before it is read
    r = subprocess.run([exo_onto_exe(), "serve", "--port", "0", "--location", str(folder)], capture_output=True,
                       text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "neither empty nor an Oxigraph database" in one_error_line(r.stderr)
    assert [p.name for p in folder.iterdir()] == ["thesis.docx"]
    assert (folder / "thesis.docx").read_bytes() == b"chapter one"


def test_a_location_another_server_uses_is_refused(tmp_path):
    db = tmp_path / "db"
    with OxigraphServer(location=db) as other:
        r = subprocess.run([exo_onto_exe(), "serve", "--port", "0", "--location", str(db)], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "in use by another exo-onto server" in one_error_line(r.stderr)
        assert count_triples(other.url) == 0, "nothing was loaded into the other server's database"
