"""A real SPARQL server for the graph, and loading the graph into any SPARQL 1.1 store.

``OxigraphServer`` runs the Oxigraph server binary (PyPI package ``oxigraph``) on 127.0.0.1 and
stops it again; ``push_graph`` sends the graph to a Graph Store Protocol endpoint (Oxigraph's
``/store``, Fuseki's ``/DATASET/data``, GraphDB's ``/repositories/ID/rdf-graphs/service``, …), so
the stored queries can be asked of a shared store when the data outgrows one machine.

Safety, because a local HTTP server is reachable by every local process and every web page the
user opens: the server is read-only unless asked otherwise (the data is bulk-loaded into the
database *before* the server starts, so nothing is ever sent over HTTP), every query has a
server-side time limit, a port somebody else listens on is refused before anything is loaded, and
the server process dies with the Python process that started it (``PR_SET_PDEATHSIG`` on Linux,
so even ``kill -9`` leaves no server behind).
"""

from __future__ import annotations

import collections
import errno
import http.client
import http.server
import math
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

try:
    import fcntl
except ImportError:  # Windows has no fcntl: kept locations are then not locked
    fcntl = None  # type: ignore[assignment]

from exo_onto.io.children import die_with_parent
from exo_onto.query.stored import QueryError

#: Default server-side limit for one SPARQL query, in seconds.
DEFAULT_QUERY_TIMEOUT = 60
#: The longest query timeout accepted (a day): beyond it a "limit" protects nothing.
MAX_QUERY_TIMEOUT = 86_400
#: At most this much of an error answer is read, for its one-line detail.
_DETAIL_BYTES = 64 * 1024


class ServerError(QueryError):
    """The server could not be started, or did not answer in time."""


class Refused(ServerError):
    """Refused before anything was done (a usage error): a taken port, a folder that is not a database."""


class PortInUseError(Refused):
    """Somebody else already listens on the port: refused before anything is loaded or sent."""


class EndpointURLError(QueryError):
    """The endpoint is not an http(s) URL: a usage error, not a failure of the store."""


def oxigraph_executable() -> str:
    """The ``oxigraph`` binary: beside this Python (a venv's ``bin/``) or on ``PATH``."""
    here = Path(sys.executable).with_name("oxigraph")
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise ServerError("the oxigraph server binary is not installed (pip install oxigraph)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server already listens on ``host:port`` (or the port cannot be bound there).

    Checked before anything is loaded, so a second ``serve`` never talks to a server it did not
    start. Binding with ``SO_REUSEADDR`` (as the Oxigraph server does) fails only for a listener,
    also one on the wildcard address; a connect catches what binding misses.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def valid_seconds(value: float, maximum: float = MAX_QUERY_TIMEOUT) -> float:
    """``value`` if it is a usable time limit (positive, finite, at most ``maximum``); else ValueError."""
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value) or value <= 0:
        raise ValueError(f"{value!r} is not a positive number of seconds")
    if value > maximum:
        raise ValueError(f"{value:g} s is more than the maximum {maximum:g} s")
    return float(value)


def printable(text: str, limit: int = 300) -> str:
    """``text`` on one line, control characters (ANSI escapes too) shown escaped, cut at ``limit``."""
    s = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in " ".join(text.split()))
    return s if len(s) <= limit else s[:limit] + "…"


def ntriples(graph: Graph) -> bytes:
    """``graph`` as N-Triples, or one-line :class:`QueryError` (e.g. an IRI with a space, which no store takes)."""
    try:
        return graph.serialize(format="nt", encoding="utf-8")
    except Exception as exc:  # rdflib raises a bare Exception for an IRI it cannot write
        raise QueryError(f"the graph cannot be written as N-Triples: {printable(str(exc))}") from None


# --- the child process never outlives its parent ----------------------------------------------


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die with this process (Linux), in its own process group.

    ``PR_SET_PDEATHSIG`` fires when the *thread* that started the child ends, so start servers from
    a thread that lives as long as they should (the main thread, as ``exo-onto serve`` does). The
    own process group keeps the terminal's Ctrl-C away from the child: the parent stops it cleanly.
    """
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()

    def preexec() -> None:
        os.setpgid(0, 0)
        die_with_parent(parent)

    return preexec


def _child_env() -> dict[str, str]:
    """The environment for Oxigraph: no Rust backtraces, so its errors stay one line."""
    return {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}


def _oxigraph_error(stderr: str) -> str:
    """The one line that says what went wrong in Oxigraph's stderr (its ``Error: …`` line)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in lines:
        if line.startswith(("Error:", "error:")):
            return printable(line.split(":", 1)[1].strip())
    return printable(lines[-1]) if lines else "no message"


def _listening_ports(pid: int, host: str) -> set[int] | None:
    """The TCP ports process ``pid`` listens on at ``host`` (Linux ``/proc``), or None where unknown.

    This is how the server proves it is *ours* answering on the port (and learns the port the OS
    picked for ``--port 0``), not another server that happens to listen there.
    """
    fd_dir = Path(f"/proc/{pid}/fd")
    if not fd_dir.is_dir():
        return None
    inodes = set()
    try:
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        table = Path("/proc/net/tcp").read_text()
    except OSError:
        return None
    want = socket.inet_aton(host)[::-1].hex().upper()  # /proc/net/tcp: little-endian hex address
    ports = set()
    for row in table.splitlines()[1:]:
        cols = row.split()
        if len(cols) > 9 and cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
            addr, port = cols[1].split(":")
            if addr in (want, "00000000"):
                ports.add(int(port, 16))
    return ports


_TMP_PREFIX = "exo-onto-oxigraph-"
_TMP_RE = re.compile(re.escape(_TMP_PREFIX) + r"(\d+)-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_databases(tmp: Path | None = None) -> list[Path]:
    """Remove the temporary databases of ``serve`` processes that were killed (``kill -9``).

    A killed process cannot clean up; its folder name carries its pid, so the next server removes
    folders whose process is gone (only this user's, only this naming).
    """
    removed = []
    base = Path(tmp or tempfile.gettempdir())
    for d in base.glob(_TMP_PREFIX + "*-*"):
        m = _TMP_RE.match(d.name)
        try:
            mine = d.is_dir() and not d.is_symlink() and d.stat().st_uid == os.getuid()
        except OSError:
            continue
        if m and mine and not _pid_alive(int(m.group(1))):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _is_oxigraph_database(path: Path) -> bool:
    return (path / "CURRENT").is_file() and (path / "IDENTITY").is_file()


def check_location(location: Path) -> None:
    """Refuse a database folder that would mix with other files: missing, empty or a database only."""
    location = Path(location)
    if location.exists() and not location.is_dir():
        raise Refused(f"{location} is not a folder")
    if location.is_dir() and any(location.iterdir()) and not _is_oxigraph_database(location):
        raise Refused(f"{location} is neither empty nor an Oxigraph database: refusing to write into it")


class OxigraphServer:
    """An Oxigraph SPARQL server on the loopback interface; use as a context manager.

    ``data`` (an rdflib graph, the default graph of an Oxigraph store, or RDF files Oxigraph can read) is
    bulk-loaded into the database before the server starts, which then serves it **read-only**: SPARQL
    updates and Graph Store writes answer 403, so no local process or web page can change the data or
    make the server fetch URLs (``LOAD``). ``writable=True`` runs ``oxigraph serve`` instead (for
    ``push_graph``).
    ``query_timeout`` is the server-side limit for one query, in whole seconds (rounded up).

    Queries read the union of all graphs (``--union-default-graph``), so data in a named graph is
    answered by the stored queries unchanged. With ``location`` the database is kept there: a
    missing or empty folder is created, an existing Oxigraph database gets ``data`` as its new
    default graph (named graphs are kept), and any other non-empty folder is refused. Without it
    the database lives in a temporary folder removed by :meth:`stop`.
    """

    def __init__(self, location: Path | None = None, port: int | None = None, host: str = "127.0.0.1", *,
                 data: Graph | ox.Store | Iterable[Path] | None = None, writable: bool = False,
                 query_timeout: float = DEFAULT_QUERY_TIMEOUT) -> None:
        self.host = host
        self.port = port or 0
        self.data = data
        self.writable = writable
        self.query_timeout = max(1, math.ceil(valid_seconds(query_timeout)))
        self.location = Path(location) if location else None
        self._owns_location = location is None
        self.process: subprocess.Popen | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=200)
        self._drain: threading.Thread | None = None
        self._lock_fd: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_endpoint(self) -> str:
        return f"{self.url}/query"

    @property
    def store_endpoint(self) -> str:
        return f"{self.url}/store"

    @property
    def pid(self) -> int | None:
        """The server process's id (for a supervisor, or a test that checks it is gone)."""
        return self.process.pid if self.process else None

    @property
    def last_error(self) -> str:
        """The server's last ``Error:`` line on stderr (why it stopped)."""
        return _oxigraph_error("\n".join(self._stderr))

    def start(self, timeout: float = 30.0) -> OxigraphServer:
        """Refuse a taken port, load the data, start the server, and wait until it answers.

        Raises :class:`PortInUseError` before anything is loaded when somebody listens on the
        port, :class:`ServerError` when loading or starting fails; nothing is left running then.
        """
        if self.process is not None:
            raise ServerError("this server was already started")
        if self.port and port_in_use(self.port, self.host):
            raise PortInUseError(f"port {self.port} on {self.host} is already in use by another program")
        try:
            self._prepare_location()
            self._load()
            self._spawn()
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _prepare_location(self) -> None:
        if self._owns_location:
            remove_stale_databases()
            self.location = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
            return
        assert self.location is not None
        check_location(self.location)
        self.location.mkdir(parents=True, exist_ok=True)
        # One exo-onto at a time per database: loading into a folder another server reads is
        # undefined behaviour for Oxigraph's read-only mode. The lock lives as long as this server.
        if fcntl is None:
            return
        fd = os.open(self.location, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise Refused(f"{self.location} is in use by another exo-onto server") from None
        self._lock_fd = fd

    def _run_tool(self, args: list[str], what: str, data: bytes | None = None) -> None:
        """Run an offline ``oxigraph`` subcommand on the database (it dies with us, like the server)."""
        proc = subprocess.Popen([oxigraph_executable(), *args, "--location", str(self.location)],
                                stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=_child_env(), preexec_fn=_die_with_parent())
        try:
            _, err = proc.communicate(data)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            raise ServerError(f"oxigraph could not {what} in {self.location}: "
                              f"{_oxigraph_error(err.decode('utf-8', 'replace'))}")

    def _load(self) -> None:
        """Bulk-load ``data`` into the database (offline: no HTTP, no server yet)."""
        assert self.location is not None
        existing = _is_oxigraph_database(self.location)
        if existing and self.data is not None:
            self._run_tool(["update", "--update", "CLEAR SILENT DEFAULT"], "clear the default graph")
        if isinstance(self.data, Graph):
            self._run_tool(["load", "--format", "application/n-triples"], "load the graph",
                           data=ntriples(self.data))
        elif isinstance(self.data, ox.Store):
            self._run_tool(["load", "--format", "application/n-triples"], "load the graph",
                           data=self.data.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
        elif self.data is not None:
            files = [str(Path(f)) for f in self.data]
            if files:
                self._run_tool(["load", "--file", *files], "load " + ", ".join(files))
        if not _is_oxigraph_database(self.location):  # no data: an empty database to serve
            self._run_tool(["load", "--format", "application/n-triples"], "create a database", data=b"")

    def _spawn(self) -> None:
        port = self.port
        if not port and _listening_ports(os.getpid(), self.host) is None:
            port = self.port = free_port(self.host)  # no /proc to learn the OS's pick: choose one
        cmd = [oxigraph_executable(), "serve" if self.writable else "serve-read-only",
               "--location", str(self.location), "--bind", f"{self.host}:{port}",
               "--union-default-graph", "--timeout-s", str(self.query_timeout)]
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, env=_child_env(), preexec_fn=_die_with_parent())
        # Read stderr all the time: a full pipe would block the server on its next log line.
        self._drain = threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True)
        self._drain.start()

    def _read_stderr(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").rstrip())

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self._drain:
                    self._drain.join(timeout=2)
                reason = self.last_error
                error = PortInUseError if "in use" in reason.lower() else ServerError
                raise error(f"oxigraph exited at start (status {self.process.returncode}): {reason}")
            ports = _listening_ports(self.process.pid, self.host)
            if ports is not None:  # Linux: wait until *this* process listens on the port
                if not ports or (self.port and self.port not in ports):
                    time.sleep(0.05)
                    continue
                if not self.port:
                    self.port = min(ports)
            if self._answers():
                return
            time.sleep(0.1)
        raise ServerError(f"oxigraph did not answer on {self.url} within {timeout:g} s")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=2)
        try:
            conn.request("GET", "/")
            return conn.getresponse().status < 500
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """Stop the server process (TERM, then KILL) and remove a temporary database."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._drain is not None:
            self._drain.join(timeout=2)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        if self._owns_location and self.location is not None:
            shutil.rmtree(self.location, ignore_errors=True)
            self.location = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock on a kept location
            self._lock_fd = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the query page in front of the server --------------------------------------------------------

#: Headers that belong to one connection, not to the request or answer passed on.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                         "te", "trailer", "transfer-encoding", "upgrade", "expect"})
#: Host names a browser uses for this server; any other Host is a page that rebound its DNS name to 127.0.0.1.
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
#: Seconds a client may take over each part of its request, and each part of the answer it reads.
CLIENT_TIMEOUT = 60
#: A refused upload is read (and dropped) up to this size, so the client sees the refusal, not a reset.
_DRAIN_BYTES = 64 * 1024 * 1024


class QueryFront:
    """What ``exo-onto serve`` shows on its port: the project's query page at ``/``, and every other
    request passed unchanged to the Oxigraph server behind it (on its own loopback port).

    Oxigraph has no option for its own page (its stock page loads an editor from a CDN and asks
    prefix.cc for prefixes, so it is empty offline); this small threaded server answers ``GET /``
    itself. It adds no way to write: updates and Graph Store writes reach Oxigraph, which refuses
    them when it runs read-only, and its answers (403, the query timeout) come back as they are.
    Requests naming another host than 127.0.0.1/localhost are refused (a web page whose DNS name
    was rebound to 127.0.0.1 must not read or write through it). It runs on daemon threads of the
    process that started it, so it ends with that process, ``kill -9`` included.
    """

    def __init__(self, page: bytes, csp: str, port: int = 0, host: str = "127.0.0.1",
                 upstream_timeout: float = DEFAULT_QUERY_TIMEOUT + 30) -> None:
        self.page = page
        self.csp = csp
        self.host = host
        self.port = port
        self.upstream_timeout = upstream_timeout
        self.upstream: tuple[str, int] | None = None
        self._httpd: _FrontServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def bind(self) -> QueryFront:
        """Take the port now, before anything is loaded: :class:`PortInUseError` when somebody has it."""
        try:
            httpd = _FrontServer((self.host, self.port), _FrontHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(f"port {self.port} on {self.host} is already in use by another program; "
                                     "choose another --port, or --port 0 for any free port") from None
            raise Refused(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        httpd.front = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        return self

    def start(self, upstream: OxigraphServer) -> QueryFront:
        """Answer on the bound port, passing requests to ``upstream`` (a started server)."""
        if self._httpd is None:
            self.bind()
        assert self._httpd is not None
        self.upstream = (upstream.host, upstream.port)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="exo-onto-query-page", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop answering and free the port (requests still being answered end with the process)."""
        if self._httpd is None:
            return
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> QueryFront:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _FrontServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    front: QueryFront

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-request is not worth a traceback on the user's terminal


class _FrontHandler(http.server.BaseHTTPRequestHandler):
    server: _FrontServer
    server_version = "exo-onto"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection; an answer of unknown length ends at close
    timeout = CLIENT_TIMEOUT

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _host_is_local(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        if not host:
            return True  # no browser sends a request without Host
        name = host.split("]")[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
        return name in _LOCAL_HOSTS

    def _plain(self, status: int, text: str) -> None:
        body = (text + "\n").encode("utf-8")
        self.send_response_only(status)
        for name, value in (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("X-Content-Type-Options", "nosniff"), ("Connection", "close")):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self) -> None:
        front = self.server.front
        self.send_response_only(200)
        for name, value in (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(front.page))),
                            ("Content-Security-Policy", front.csp), ("X-Content-Type-Options", "nosniff"),
                            ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
                            ("Cache-Control", "no-cache"), ("Connection", "close")):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(front.page)

    def _dispatch(self) -> None:
        try:
            if not self._host_is_local():
                self._plain(403, "refused: this server answers requests for 127.0.0.1 or localhost only")
            elif self.command in ("GET", "HEAD") and urllib.parse.urlsplit(self.path).path in ("/", "/index.html"):
                self._page()
            else:
                self._proxy()
        except OSError:  # the client went away, or stalled past CLIENT_TIMEOUT: nothing more to say to it
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

    def _proxy(self) -> None:
        front = self.server.front
        if self.headers.get("Transfer-Encoding"):
            self._plain(411, "send the request body with a Content-Length (chunked bodies are not accepted)")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError
        except ValueError:
            self._plain(400, "bad Content-Length")
            return
        assert front.upstream is not None
        host, port = front.upstream
        conn = http.client.HTTPConnection(host, port, timeout=front.upstream_timeout)
        try:
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP and name.lower() not in ("host", "content-length"):
                        conn.putheader(name, value)
                conn.putheader("Host", f"{host}:{port}")
                if length or self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(length))
                conn.putheader("Connection", "close")
                conn.endheaders()
                self._pass_body(conn, length)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                self._plain(502, f"the SPARQL server behind this page did not answer: {printable(str(exc))}")
                return
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                while chunk := response.read(65536):  # streamed: a large answer is never held whole
                    self.wfile.write(chunk)
        finally:
            conn.close()

    def _pass_body(self, conn: http.client.HTTPConnection, length: int) -> None:
        """Send the request's body on; when the server answers early (a refused write), read the rest and drop it."""
        remaining, upstream_open = length, True
        while remaining > 0:
            chunk = self.rfile.read(min(65536, remaining))
            if not chunk:
                raise ConnectionError("the client closed the connection before sending its whole request")
            remaining -= len(chunk)
            if upstream_open:
                try:
                    conn.send(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    upstream_open = False  # its answer (often 403) is waiting: read it after the body
            if not upstream_open and length - remaining > _DRAIN_BYTES:
                return


# --- the Graph Store Protocol client --------------------------------------------------------------


def gsp_target(endpoint: str, graph_iri: str | None = None) -> str:
    """The Graph Store Protocol URL for the default graph or for ``graph_iri``."""
    sep = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if graph_iri:
        return f"{endpoint}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"
    return f"{endpoint}{sep}default"


def check_endpoint(endpoint: str) -> urllib.parse.SplitResult:
    """The parts of an ``http://`` or ``https://`` URL with a host, or :class:`EndpointURLError`."""
    shown = printable(endpoint)
    if any(c.isspace() or not c.isprintable() for c in endpoint):
        raise EndpointURLError(f"endpoint {shown!r} is not a valid URL (spaces or control characters)")
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0..65535
    except ValueError as exc:
        raise EndpointURLError(f"endpoint {shown!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointURLError(f"endpoint {shown!r} is not an http:// or https:// URL "
                               "(e.g. http://127.0.0.1:7878/store)")
    return parts


def _connection(parts: urllib.parse.SplitResult, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection for ``parts`` (through the environment's proxy, if any) and the request target."""
    https = parts.scheme == "https"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        p = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if https:
            conn = http.client.HTTPSConnection(p.hostname, p.port, timeout=timeout,
                                               context=ssl.create_default_context())
            conn.set_tunnel(parts.hostname, parts.port)
            return conn, target
        return http.client.HTTPConnection(p.hostname, p.port, timeout=timeout), urllib.parse.urlunsplit(parts)
    if https:
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=ssl.create_default_context()), target
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout), target


class _Deadline(Exception):
    pass


def _send_body(sock: socket.socket, body: bytes, deadline: float, watch_replies: bool) -> None:
    """Send ``body``, stopping early when the server already answered (it will not read the rest)."""
    view = memoryview(body)
    sent = 0
    while sent < len(view):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Deadline
        if watch_replies:  # plain HTTP only: on TLS, readable may be a session ticket, not a reply
            readable, writable, _ = select.select([sock], [sock], [], remaining)
            if readable:
                return
            if not writable:
                continue
        sock.settimeout(remaining)
        sent += sock.send(view[sent:sent + 65536])


def http_exchange(method: str, url: str, body: bytes, headers: dict[str, str],
                  timeout: float) -> tuple[int, str, bytes, dict[str, str]]:
    """One HTTP request with a *total* deadline; returns status, reason, the body's start, headers.

    A per-read socket timeout would let a server that sends one byte a second hold the client
    forever, so a timer shuts the socket at the deadline. The status is read even when the server
    answers (and closes) before taking the whole body, which a plain client reports as a broken pipe.
    Raises ``TimeoutError`` at the deadline, ``OSError``/``http.client.HTTPException`` otherwise.
    """
    parts = check_endpoint(url)
    deadline = time.monotonic() + timeout
    conn, target = _connection(parts, timeout)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the base method: safe on TLS sockets too
            except OSError:
                pass

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        conn.connect()
        if expired.is_set():
            raise _Deadline
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body)), "Connection": "close"}.items():
            conn.putheader(name, value)
        conn.endheaders()
        send_error: OSError | None = None
        try:
            _send_body(conn.sock, body, deadline, watch_replies=parts.scheme == "http")
        except (BrokenPipeError, ConnectionResetError) as exc:
            send_error = exc  # the server closed early: its answer (often an error status) may be waiting
        try:
            conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
            response = conn.getresponse()
            detail = response.read(_DETAIL_BYTES)
        except (OSError, http.client.HTTPException):
            if send_error is not None and not expired.is_set():
                raise send_error from None
            raise
        return response.status, response.reason, detail, dict(response.getheaders())
    except (_Deadline, OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, (_Deadline, TimeoutError)):
            raise TimeoutError(f"no answer within {timeout:g} s") from None
        raise
    finally:
        timer.cancel()
        conn.close()


def push_graph(graph: Graph, endpoint: str, graph_iri: str | None = None, replace: bool = True,
               timeout: float = 120.0) -> int:
    """Load ``graph`` into a store through the SPARQL 1.1 Graph Store Protocol; return the triple count.

    ``replace`` uses PUT (the target graph becomes exactly ``graph``); otherwise POST (merge).
    The body is N-Triples, which every store accepts. ``timeout`` bounds the whole exchange.
    Every failure is one-line :class:`QueryError` (:class:`EndpointURLError` for a malformed URL).
    """
    check_endpoint(endpoint)
    valid_seconds(timeout, maximum=math.inf)
    body = ntriples(graph)
    try:
        status, reason, detail, headers = http_exchange(
            "PUT" if replace else "POST", gsp_target(endpoint, graph_iri), body,
            {"Content-Type": "application/n-triples"}, timeout)
    except TimeoutError:
        raise QueryError(f"endpoint {endpoint} did not answer within {timeout:g} s (timeout)") from None
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise QueryError(f"endpoint {endpoint} closed the connection before answering ({exc.strerror or exc})"
                         ) from None
    except OSError as exc:
        raise QueryError(f"cannot reach endpoint {endpoint}: {printable(str(exc))}") from None
    except http.client.HTTPException as exc:
        raise QueryError(f"endpoint {endpoint} did not answer in HTTP: {type(exc).__name__} "
                         f"{printable(str(exc))}") from None
    if not 200 <= status < 300:
        text = printable(detail.decode("utf-8", "replace")) or "no detail"
        where = headers.get("Location") or headers.get("location")
        if 300 <= status < 400 and where:
            text = f"redirects to {printable(where)} (not followed; give that URL as --endpoint)"
        raise QueryError(f"endpoint {endpoint} answered HTTP {status} {printable(reason)}: {text}")
    return len(graph)
