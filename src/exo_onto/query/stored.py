"""Stored competency questions: load them with their headers, bind parameters, run them.

A stored query is a plain SPARQL 1.1 file in ``queries/`` whose leading comment block states the
question in English and Chinese, its parameters with defaults and the columns it returns (see
``queries/README.md``). The same text runs embedded (pyoxigraph) or on any SPARQL 1.1 endpoint.

Parameters never enter the query as raw text: each value is first made an RDF term (an IRI that
is checked, or a literal), and the terms are bound by one ``VALUES`` row at the top of the
outermost ``WHERE`` group, written by the term serializer (quotes and backslashes escaped), so a
value such as ``"} ; DROP ALL ; #`` is one string literal. ``VALUES`` is used rather than engine
initial bindings because the SPARQL protocol has none (and pyoxigraph's substitutions only bind
projected variables): every engine, embedded or remote, then evaluates the very same text.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from exo_onto.io.load import Files, as_paths, load_store
from exo_onto.io.sparql import (
    BAD_IRI,
    AnswerTooLarge,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    check_text,
    leading_comments,
    strip_comments,
    with_values,
)
from exo_onto.io.workers import in_order, workers_for
from exo_onto.paths import ontology_files, queries_dir
from exo_onto.query.embedded import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    Deadline,
    check_limits,
    oxigraph_store,
    query_with_deadline,
    size_text,
)
from exo_onto.query.results import QueryResult, as_ask, escape_controls, from_oxigraph
from exo_onto.terms.namespaces import expand_curie

PARAM_KINDS = ("iri", "literal", "integer", "decimal")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str | None  # None: unbound unless given (the query then answers for every value)
    required: bool
    description: str


@dataclass(frozen=True)
class StoredQuery:
    name: str
    path: Path
    text: str
    question_en: str
    question_zh: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = ()
    form: str = "SELECT"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# --- the header ------------------------------------------------------------------------------

_Q_EN = re.compile(r"^#\s*Question \(en\):\s*(.+)$", re.M)
_Q_ZH = re.compile(r"^#\s*Question \(zh\):\s*(.+)$", re.M)
_RETURNS = re.compile(r"^#\s*Returns:\s*(.+)$", re.M)
_PARAM = re.compile(
    r"^#\s+\?(\w+)\s+\((\w+),\s*(?:default\s+(.+?)|(required))\):\s*(.*)$", re.M
)
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.I)


def parse_header(text: str, name: str, path: Path) -> StoredQuery:
    """Read the leading comment block of a stored query (the question, parameters, columns)."""
    header = "\n".join(line for line in leading_comments(text))
    params = []
    for m in _PARAM.finditer(header):
        pname, kind, default, required, desc = m.groups()
        if kind.lower() not in PARAM_KINDS:
            raise QueryError(f"{path}: parameter ?{pname} has unknown type {kind!r} (use {', '.join(PARAM_KINDS)})")
        if default is not None and default.strip().lower() == "none":
            default = None
        elif default is not None and default.startswith('"') and default.endswith('"'):
            default = default[1:-1]
        params.append(Param(pname, kind.lower(), default, bool(required), desc.strip()))
    returns = _RETURNS.search(header)
    columns = tuple(c.strip().lstrip("?") for c in returns.group(1).split(",")) if returns else ()
    form = _FORM.search(strip_comments(text))
    return StoredQuery(
        name=name, path=path, text=text,
        question_en=(m.group(1).strip() if (m := _Q_EN.search(header)) else ""),
        question_zh=(m.group(1).strip() if (m := _Q_ZH.search(header)) else ""),
        params=tuple(params), columns=columns, form=form.group(1).upper() if form else "SELECT",
    )


# --- finding stored queries ------------------------------------------------------------------

def stored_query_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or queries_dir()).glob("*.rq"))


def list_queries(directory: Path | None = None) -> list[StoredQuery]:
    """Every stored query, sorted by name."""
    return [load_query(p) for p in stored_query_paths(directory)]


def load_query(name_or_file: str | Path, directory: Path | None = None) -> StoredQuery:
    """A stored query by name (``mirna-targets``) or any ``.rq`` file by path."""
    path = Path(name_or_file)
    if not path.is_file():
        candidate = (directory or queries_dir()) / f"{name_or_file}.rq"
        if not candidate.is_file():
            known = ", ".join(p.stem for p in stored_query_paths(directory)) or "none"
            raise QueryError(f"unknown query {str(name_or_file)!r} (no such file; stored queries: {known})")
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read: {exc}") from exc
    return parse_header(text, path.stem, path)


# --- parameters ------------------------------------------------------------------------------

def expand_iri(text: str) -> str:
    """A full IRI from ``<iri>``, ``http…`` or a CURIE (``mscexo:x``, ``CL:0000134``, ``hgnc:2200``).

    CURIEs are read by the project's one converter, in the prefix map's casing or the mapping tables'
    (``HGNC:2200`` too), so a CURIE copied from an answer, a Turtle file or ``xrefs.tsv`` works.
    """
    s = text.strip()
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    elif not re.match(r"^[a-z][a-z0-9+.-]*://", s, re.I) and not s.startswith("urn:"):
        prefix, sep, local = s.partition(":")
        if not sep:
            raise ValueError(f"{text!r} is neither an IRI nor a CURIE")
        full = expand_curie(s)
        if full is None:
            raise ValueError(f"unknown prefix {prefix!r} in {text!r}")
        s = full
    if not s or BAD_IRI.search(s):
        raise ValueError(f"{text!r} is not a valid IRI")
    return s


def parse_param_value(param: Param, value: str) -> Node:
    """The RDF term for a parameter value typed on the command line."""
    try:
        if param.kind == "iri":
            return URIRef(expand_iri(value))
        if param.kind == "integer":
            return Literal(int(value))
        if param.kind == "decimal":
            from decimal import Decimal
            return Literal(Decimal(value))
        return Literal(value)
    except (ValueError, ArithmeticError) as exc:
        raise QueryError(f"parameter ?{param.name} ({param.kind}): {exc}") from exc


def resolve_bindings(query: StoredQuery, given: Mapping[str, str] | None = None,
                     lang: str | None = None) -> dict[str, Node]:
    """Parameter name -> RDF term: given values, then ``lang``, then the defaults.

    An unknown parameter name or a required parameter left out is a :class:`QueryError`.
    """
    given = dict(given or {})
    if lang is not None and query.param("lang") is not None:
        given.setdefault("lang", lang)
    for name in given:
        if query.param(name) is None:
            names = ", ".join(p.name for p in query.params) or "none"
            raise QueryError(f"query {query.name!r} has no parameter {name!r} (its parameters: {names})")
    out: dict[str, Node] = {}
    for p in query.params:
        if p.name in given:
            out[p.name] = parse_param_value(p, given[p.name])
        elif p.required:
            raise QueryError(f"query {query.name!r}: missing parameter {p.name!r} ({p.kind}): {p.description}; "
                             f"pass --param {p.name}=VALUE")
        elif p.default is not None:
            out[p.name] = parse_param_value(p, p.default)
    return out


def check_syntax(query: StoredQuery) -> None:
    """Raise :class:`QuerySyntaxError` (file, line, column) if ``query`` is not valid SPARQL 1.1."""
    check_text(query.text, str(query.path))


# --- running ---------------------------------------------------------------------------------

def embedded_store(files: Files | None = None, graph: Graph | None = None) -> ox.Store:
    """An in-memory pyoxigraph store holding the project's graph (or ``files``, or ``graph``).

    Files are read by the loader ``check`` uses (:func:`exo_onto.io.load.load_store`), so every
    command agrees on what parses and a broken file is one :class:`TurtleError`, ``FILE:LINE: what``.
    """
    if graph is not None:
        return oxigraph_store(graph)
    paths = as_paths(files)
    return load_store(paths if paths is not None else ontology_files()).store


def run_embedded(query: StoredQuery, bindings: Mapping[str, Node] | None = None, store: ox.Store | None = None,
                 timeout: float | None = None, max_bytes: int | None = None) -> QueryResult:
    """Run on pyoxigraph (the project's graph unless ``store`` is given).

    Without ``timeout`` and ``max_bytes`` the query runs in this process (the check's stored queries,
    which are known to be quick). With either, it runs in a child process that is killed at the
    deadline, when the answer passes ``max_bytes`` or on Ctrl-C (:func:`exo_onto.query.embedded.query_with_deadline`),
    since an Oxigraph query cannot be interrupted from Python.
    """
    check_syntax(query)
    store = store if store is not None else embedded_store()
    text = with_values(query.text, bindings or {})
    if timeout is None and max_bytes is None:
        try:
            raw = store.query(text)
        except (SyntaxError, OSError, ValueError) as exc:
            raise QueryError(f"{query.path}: {' '.join(str(exc).split())}") from None
        return from_oxigraph(raw)
    kind, body = query_with_deadline(store, text, timeout, max_bytes)
    if kind == "results":
        return _parse_answer("the embedded store", RESULT_TYPES["application/sparql-results+json"], body)
    return _parse_answer("the embedded store", GRAPH_TYPES["application/n-triples"], body)


Answered = tuple[StoredQuery, QueryResult | QueryError]


def run_embedded_all(queries: Iterable[StoredQuery], store: ox.Store) -> Iterator[Answered]:
    """Each query with its default parameters on ``store``, several at once (:func:`exo_onto.io.workers.in_order`),
    in the order given: each query with its result, or with the :class:`QueryError` it raised."""
    def job(q: StoredQuery) -> Answered:
        try:
            return q, run_embedded(q, resolve_bindings(q), store)
        except QueryError as exc:
            return q, exc

    return in_order([lambda q=q: job(q) for q in queries], workers_for(store))


def run_rdflib(query: StoredQuery, graph: Graph, bindings: Mapping[str, Node] | None = None) -> QueryResult:
    """Run on rdflib's SPARQL engine with the same text a remote endpoint gets (a second engine)."""
    from exo_onto.query.results import from_rdflib

    check_syntax(query)
    return from_rdflib(graph.query(with_values(query.text, bindings or {})))


#: Answer media types read for SELECT and ASK, and for CONSTRUCT and DESCRIBE.
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON, "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML, "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD, "text/n3": ox.RdfFormat.N3,
    "application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
}
_ACCEPT_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.8, " \
                  "text/tab-separated-values;q=0.5"
_ACCEPT_GRAPH = "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.5, application/ld+json;q=0.4"


def check_endpoint(endpoint: str) -> None:
    """Refuse an endpoint that is not an http(s) URL before anything is sent."""
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise QueryError(f"the endpoint must be an http:// or https:// URL, not {endpoint!r}")


def run_remote(query: StoredQuery, endpoint: str, bindings: Mapping[str, Node] | None = None,
               timeout: float = DEFAULT_TIMEOUT, max_bytes: int | None = DEFAULT_MAX_BYTES) -> QueryResult:
    """Run on any SPARQL 1.1 endpoint (SPARQL protocol, POST), parameters as a VALUES block.

    ``timeout`` is a total deadline (connecting, the server's work, every byte of the answer), not a
    limit per socket read: an endpoint that trickles its answer is stopped all the same. An answer
    larger than ``max_bytes`` is refused as soon as it passes the cap, before it fills the memory.
    """
    check_syntax(query)
    check_endpoint(endpoint)
    check_limits(timeout, max_bytes)
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    data = urllib.parse.urlencode({"query": with_values(query.text, bindings or {})}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": _ACCEPT_GRAPH if graph_form else _ACCEPT_RESULTS,
        "User-Agent": "exo-onto (SPARQL 1.1 protocol)",
    })
    media_type, body = http_exchange(request, endpoint, timeout, max_bytes)
    if media_type in RESULT_TYPES or media_type in GRAPH_TYPES:
        fmt = RESULT_TYPES.get(media_type) or GRAPH_TYPES[media_type]
    elif not media_type:
        fmt = ox.RdfFormat.TURTLE if graph_form else ox.QueryResultsFormat.JSON
    else:
        wanted = "RDF" if graph_form else "SPARQL results"
        raise QueryError(f"endpoint {endpoint} answered {media_type}, not {wanted}"
                         + (" (is it a SPARQL query endpoint?)" if "html" in media_type else ""))
    result = _parse_answer(f"endpoint {endpoint}", fmt, body)
    # Virtuoso 7 answers ASK over HTTP as a one-row SELECT of ?__ASK_RETVAL: read it as the boolean it is.
    return as_ask(result) if query.form == "ASK" else result


def _parse_answer(source: str, fmt: ox.QueryResultsFormat | ox.RdfFormat, body: bytes) -> QueryResult:
    """The answer ``source`` sent, parsed (lazily: one row at a time, so Ctrl-C is seen at once)."""
    try:
        if isinstance(fmt, ox.QueryResultsFormat):
            return from_oxigraph(ox.parse_query_results(input=body, format=fmt))
        return from_oxigraph(ox.parse(input=body, format=fmt))
    except (SyntaxError, ValueError, MemoryError) as exc:
        raise QueryError(f"{source} sent {fmt.name} that does not parse: {_one_line(str(exc))}") from None


class _Watchdog:
    """Shuts the request's sockets at the deadline, so no blocked read outlives it (a trickle included)."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Watchdog:
        left = self.deadline.left()
        if left is not None:
            self._timer = threading.Timer(left, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS
    except OSError:
        pass


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib as usual (proxies from the environment, redirects), every connection under ``watchdog``."""

    class _HTTP(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.register(self.sock)

    class _HTTPS(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.register(self.sock)

    class _HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_HTTP, req)

    class _HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(_HTTPS, req, context=self._context)

    return urllib.request.build_opener(_HTTPHandler(), _HTTPSHandler())


def http_exchange(request: urllib.request.Request, endpoint: str, timeout: float = DEFAULT_TIMEOUT,
                  max_bytes: int | None = DEFAULT_MAX_BYTES) -> tuple[str, bytes]:
    """Send ``request``; return the answer's media type and body, all of it within ``timeout`` seconds.

    Raises :class:`QueryTimeout` at the deadline, :class:`AnswerTooLarge` past ``max_bytes``, and a
    one-line :class:`QueryError` for anything else (unreachable, HTTP status with the server's reason).
    """
    check_limits(timeout, max_bytes)
    deadline = Deadline(timeout)
    late = QueryTimeout(f"endpoint {endpoint} did not answer within {timeout:g} s (timeout)")
    with _Watchdog(deadline) as watchdog:
        try:
            with _opener(watchdog).open(request, timeout=deadline.left()) as response:
                media_type = response.headers.get_content_type() if response.headers.get("Content-Type") else ""
                body = _read_capped(response, deadline, max_bytes, endpoint, late)
        except QueryError:
            raise
        except Exception as exc:  # urllib and http.client raise many unrelated types
            if watchdog.fired or deadline.passed:
                raise late from None
            raise QueryError(describe_http_error(endpoint, exc, timeout)) from None
        if watchdog.fired:  # the socket was shut: what was read may be cut short
            raise late
    return media_type, body


def _read_capped(response: http.client.HTTPResponse, deadline: Deadline, max_bytes: int | None, endpoint: str,
                 late: QueryTimeout) -> bytes:
    too_large = AnswerTooLarge(f"endpoint {endpoint}: the answer is larger than "
                               f"{size_text(max_bytes or 0)} (--max-bytes)")
    announced = response.headers.get("Content-Length", "")
    if max_bytes is not None and announced.strip().isdigit() and int(announced) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    while True:
        if deadline.passed:
            raise late
        chunk = response.read1(1 << 16)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            raise too_large
        chunks.append(chunk)


def describe_http_error(endpoint: str, exc: BaseException, timeout: float) -> str:
    """One line for a failed HTTP exchange: unreachable, timeout, or the status and the server's reason."""
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    reason = getattr(exc, "reason", None)
    if isinstance(exc, (TimeoutError, socket.timeout)) or isinstance(reason, (TimeoutError, socket.timeout)):
        return f"endpoint {endpoint} did not answer within {timeout:g} s (timeout)"
    if isinstance(exc, urllib.error.HTTPError):
        detail = ""
        try:
            detail = exc.read(8192).decode("utf-8", "replace")  # a reason, not an endless error page
        except Exception:
            pass
        return f"endpoint {endpoint} answered HTTP {exc.code} {exc.reason}: {_one_line(detail) or 'no detail'}"
    if isinstance(exc, SPARQLWrapperException):
        code = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
                "EndPointInternalError": 500}.get(type(exc).__name__)
        msg = _one_line(str(exc).split("Response:", 1)[-1])
        return f"endpoint {endpoint} answered HTTP {code or '4xx/5xx'}: {msg}"
    if isinstance(exc, urllib.error.URLError) or isinstance(exc, OSError):
        return f"cannot reach endpoint {endpoint}: {_one_line(str(reason or exc))}"
    if isinstance(exc, http.client.HTTPException):
        return f"endpoint {endpoint} broke the HTTP exchange: {type(exc).__name__} {_one_line(str(exc))}".rstrip()
    return f"endpoint {endpoint}: {type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str, limit: int = 300) -> str:
    text = text.strip()
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1].replace("\\n", " ")
    s = escape_controls(" ".join(text.split()))
    return s if len(s) <= limit else s[:limit] + "…"


@dataclass
class QueryRun:
    """What a user asked for: a query, its bound parameters, where to run it and its limits."""

    query: StoredQuery
    bindings: dict[str, Node] = field(default_factory=dict)
    endpoint: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int | None = DEFAULT_MAX_BYTES

    def execute(self, store: ox.Store | None = None) -> QueryResult:
        """Run it: on the endpoint, or on ``store`` (the project's graph by default), under the same limits."""
        if self.endpoint:
            return run_remote(self.query, self.endpoint, self.bindings, self.timeout, self.max_bytes)
        return run_embedded(self.query, self.bindings, store, self.timeout, self.max_bytes)


def run_query(name_or_file: str | Path, params: Mapping[str, str] | None = None, lang: str | None = None,
              endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT, store: ox.Store | None = None,
              max_bytes: int | None = DEFAULT_MAX_BYTES) -> QueryResult:
    """Load, bind and run a stored query: the library form of ``exo-onto query`` (same deadline and cap)."""
    query = load_query(name_or_file)
    return QueryRun(query, resolve_bindings(query, params, lang), endpoint, timeout, max_bytes).execute(store)


__all__ = [
    "AnswerTooLarge", "Param", "QueryError", "QueryResult", "QueryRun", "QuerySyntaxError", "QueryTimeout",
    "StoredQuery", "check_endpoint", "check_syntax", "embedded_store", "expand_iri", "http_exchange",
    "list_queries", "load_query", "parse_header", "parse_param_value", "resolve_bindings",
    "run_embedded", "run_query", "run_rdflib", "run_remote", "with_values",
]
