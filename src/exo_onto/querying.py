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

import re
import socket
import urllib.error
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .namespaces import OBO, OBO_PREFIXES, PREFIXES
from .paths import ontology_files, queries_dir
from .query_results import QueryResult, from_oxigraph, from_sparql_json
from .sparql_text import BAD_IRI, QueryError, QuerySyntaxError, check_text, strip_comments, with_values
from .store import oxigraph_store

PARAM_KINDS = ("iri", "literal", "integer", "decimal")
_CURIE_ALIASES = {"HGNC": PREFIXES["hgnc"], "NCBIGene": PREFIXES["ncbigene"], "EFO": PREFIXES["efo"] + "EFO_"}


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
    header = "\n".join(line for line in _leading_comments(text))
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


def _leading_comments(text: str) -> Iterable[str]:
    for line in text.splitlines():
        if line.startswith("#"):
            yield line
        elif line.strip():
            return


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
    """A full IRI from ``<iri>``, ``http…`` or a CURIE (``mscexo:x``, ``CL:0000134``, ``HGNC:2200``)."""
    s = text.strip()
    if s.startswith("<") and s.endswith(">"):
        s = s[1:-1]
    elif not re.match(r"^[a-z][a-z0-9+.-]*://", s, re.I) and not s.startswith("urn:"):
        prefix, sep, local = s.partition(":")
        if not sep:
            raise ValueError(f"{text!r} is neither an IRI nor a CURIE")
        if prefix in PREFIXES:
            s = PREFIXES[prefix] + local
        elif prefix in OBO_PREFIXES:
            s = f"{OBO}{prefix}_{local}"
        elif prefix in _CURIE_ALIASES:
            s = _CURIE_ALIASES[prefix] + local
        else:
            raise ValueError(f"unknown prefix {prefix!r} in {text!r}")
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

def embedded_store(files: Iterable[Path] | None = None, graph: Graph | None = None) -> ox.Store:
    """An in-memory pyoxigraph store holding the project's graph (or ``graph``)."""
    if graph is not None:
        return oxigraph_store(graph)
    store = ox.Store()
    for path in files if files is not None else ontology_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=Path(path).resolve().as_uri())
    return store


def run_embedded(query: StoredQuery, bindings: Mapping[str, Node] | None = None,
                 store: ox.Store | None = None) -> QueryResult:
    """Run on pyoxigraph (the project's graph unless ``store`` is given)."""
    check_syntax(query)
    store = store if store is not None else embedded_store()
    try:
        raw = store.query(with_values(query.text, bindings or {}))
    except (SyntaxError, OSError, ValueError) as exc:
        raise QueryError(f"{query.path}: {' '.join(str(exc).split())}") from None
    return from_oxigraph(raw)


def run_rdflib(query: StoredQuery, graph: Graph, bindings: Mapping[str, Node] | None = None) -> QueryResult:
    """Run on rdflib's SPARQL engine with the same text a remote endpoint gets (a second engine)."""
    from .query_results import from_rdflib

    check_syntax(query)
    return from_rdflib(graph.query(with_values(query.text, bindings or {})))


def run_remote(query: StoredQuery, endpoint: str, bindings: Mapping[str, Node] | None = None,
               timeout: float = 60.0) -> QueryResult:
    """Run on any SPARQL 1.1 endpoint (SPARQL protocol, POST), parameters as a VALUES block."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    check_syntax(query)
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setTimeout(int(max(1, timeout)))
    client.setQuery(with_values(query.text, bindings or {}))
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    client.setReturnFormat(TURTLE if graph_form else JSON)
    try:
        response = client.query()
        body = response.response.read()
    except Exception as exc:  # SPARQLWrapper and urllib raise many unrelated types
        raise QueryError(describe_http_error(endpoint, exc, timeout)) from None
    if graph_form:
        g = Graph()
        try:
            g.parse(data=body, format="turtle")
        except Exception as exc:
            raise QueryError(f"endpoint {endpoint} sent Turtle that does not parse: {exc}") from None
        return QueryResult("graph", (), [], None, g)
    import json

    try:
        return from_sparql_json(json.loads(body))
    except ValueError as exc:
        raise QueryError(f"endpoint {endpoint} did not send SPARQL JSON results: {exc}") from None


def describe_http_error(endpoint: str, exc: BaseException, timeout: float) -> str:
    """One line for a failed HTTP exchange: unreachable, timeout, or the status and the server's reason."""
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    reason = getattr(exc, "reason", None)
    if isinstance(exc, (TimeoutError, socket.timeout)) or isinstance(reason, (TimeoutError, socket.timeout)):
        return f"endpoint {endpoint} did not answer within {timeout:g} s (timeout)"
    if isinstance(exc, urllib.error.HTTPError):
        detail = ""
        try:
            detail = exc.read().decode("utf-8", "replace")
        except Exception:
            pass
        return f"endpoint {endpoint} answered HTTP {exc.code} {exc.reason}: {_one_line(detail) or 'no detail'}"
    if isinstance(exc, SPARQLWrapperException):
        code = {"QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404, "URITooLong": 414,
                "EndPointInternalError": 500}.get(type(exc).__name__)
        msg = _one_line(str(exc).split("Response:", 1)[-1])
        return f"endpoint {endpoint} answered HTTP {code or '4xx/5xx'}: {msg}"
    if isinstance(exc, urllib.error.URLError) or isinstance(exc, OSError):
        return f"cannot reach endpoint {endpoint}: {reason or exc}"
    return f"endpoint {endpoint}: {type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str, limit: int = 300) -> str:
    text = text.strip()
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1].replace("\\n", " ")
    s = " ".join(text.split())
    return s if len(s) <= limit else s[:limit] + "…"


@dataclass
class QueryRun:
    """What a user asked for: a query, its bound parameters and where to run it."""

    query: StoredQuery
    bindings: dict[str, Node] = field(default_factory=dict)
    endpoint: str | None = None
    timeout: float = 60.0

    def execute(self, store: ox.Store | None = None) -> QueryResult:
        if self.endpoint:
            return run_remote(self.query, self.endpoint, self.bindings, self.timeout)
        return run_embedded(self.query, self.bindings, store)


def run_query(name_or_file: str | Path, params: Mapping[str, str] | None = None, lang: str | None = None,
              endpoint: str | None = None, timeout: float = 60.0, store: ox.Store | None = None) -> QueryResult:
    """Load, bind and run a stored query: the library form of ``exo-onto query``."""
    query = load_query(name_or_file)
    return QueryRun(query, resolve_bindings(query, params, lang), endpoint, timeout).execute(store)


def queries_step(graph: Graph | None = None, store: ox.Store | None = None):
    """A check step: every stored query, run embedded on ``graph`` or ``store``, gives its expected answer.

    Returns a :class:`exo_onto.check.StepResult` named ``queries`` listing each query that fails
    or differs (missing rows, extra rows, a different boolean or graph).
    """
    from .check import StepResult
    from .query_results import compare_expected, expected_path

    store = store if store is not None else embedded_store(graph=graph)
    queries = list_queries()
    problems: list[str] = []
    for q in queries:
        if expected_path(q) is None:
            problems.append(f"{q.name}: no expected answer in queries/expected/")
            continue
        try:
            result = run_embedded(q, resolve_bindings(q), store)
        except QueryError as exc:
            problems.append(f"{q.name}: {exc}")
            continue
        problems += [f"{q.name}: {d}" for d in compare_expected(q, result)]
    if not queries:
        return StepResult("queries", False, "no stored queries in queries/")
    failed = len({p.split(":", 1)[0] for p in problems})
    summary = f"{len(queries) - failed} of {len(queries)} stored queries give their expected answer"
    return StepResult("queries", not problems, summary, problems)


__all__ = [
    "Param", "QueryError", "QueryResult", "QueryRun", "QuerySyntaxError", "StoredQuery",
    "check_syntax", "embedded_store", "expand_iri", "list_queries", "load_query", "parse_header",
    "parse_param_value", "queries_step", "resolve_bindings", "run_embedded", "run_query", "run_rdflib",
    "run_remote", "with_values",
]
