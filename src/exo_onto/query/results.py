"""Query answers in one shape, whichever engine gave them; their text forms; expected answers.

pyoxigraph, rdflib and SPARQL JSON results are all turned into rdflib terms, so answers from the
embedded store and from a server compare directly. Cells are shown as CURIEs (``CL:0000134``,
``hgnc:2200``, ``mscexo:prep-24-bmsc-exo``), through the project's one converter
(:func:`exo_onto.terms.namespaces.curie_or_iri`), so tables, CSV, Turtle answers and expected files stay
short, stable and spelled alike. A boolean is shown by its value (``true``), whichever of its
lexical forms an engine sent (Virtuoso sends ``1``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import XSD
from rdflib.term import Node

from exo_onto.paths import queries_dir
from exo_onto.terms.convert import from_json_binding, ox_to_rdflib
from exo_onto.terms.namespaces import bind_curie_prefixes, bind_prefixes, curie_or_iri

if TYPE_CHECKING:
    import pandas


class Named(Protocol):
    """What the expected-answer functions need of a stored query: its name (``queries/expected/NAME.*``)."""

    name: str


Row = tuple[Node | None, ...]
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "positiveInteger",
                                   "nonNegativeInteger", "int", "long", "short", "negativeInteger")}


@dataclass
class QueryResult:
    """One answer, whichever engine gave it: SELECT rows, an ASK boolean or a CONSTRUCT/DESCRIBE graph."""

    kind: str  # "select" | "ask" | "graph"
    columns: tuple[str, ...]
    rows: list[Row]
    boolean: bool | None = None
    graph: Graph | None = None

    def to_df(self, curies: bool = True) -> pandas.DataFrame:
        """The answer as a pandas DataFrame, for a notebook (``pip install 'exo-onto[notebook]'``).

        SELECT: one column per variable; IRIs as CURIEs (full IRIs with ``curies=False``), numbers and
        booleans as Python values, text as ``str``, unbound as ``None``. ASK: one column ``boolean``.
        A graph: one row per triple (``subject``, ``predicate``, ``object``), sorted.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("QueryResult.to_df needs pandas: pip install 'exo-onto[notebook]'") from None
        if self.kind == "ask":
            return pd.DataFrame({"boolean": [bool(self.boolean)]})
        if self.kind == "graph":
            triples = sorted(self.graph, key=lambda t: tuple(cell(x) for x in t))
            return pd.DataFrame([[_py(x, curies) for x in t] for t in triples],
                                columns=["subject", "predicate", "object"], dtype=object)
        return pd.DataFrame([[_py(t, curies) for t in row] for row in self.rows], columns=list(self.columns),
                            dtype=object)


def _py(term: Node | None, curies: bool) -> Any:
    """A cell as a notebook wants it: CURIE or IRI text, a Python number or boolean, a string, or None."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return cell(term) if curies else str(term)
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) in _NUMERIC | {str(XSD.boolean)}:
        value = Literal(str(term), datatype=term.datatype).toPython()  # the value, not rdflib's normalised text
        return value if not isinstance(value, Literal) else str(term)
    return cell(term)


# --- from each engine ------------------------------------------------------------------------

def from_oxigraph(raw) -> QueryResult:
    if isinstance(raw, ox.QueryBoolean):
        return QueryResult("ask", (), [], bool(raw))
    # Each distinct term is converted once: labels, predicates and evidence codes recur row after row, and
    # making an rdflib term (checking an IRI, casting a literal) cost as much as Oxigraph's answer.
    terms: dict[object, Node] = {}

    def term(t) -> Node | None:
        if t is None:
            return None
        got = terms.get(t)
        if got is None:
            got = terms[t] = ox_to_rdflib(t)
        return got

    if isinstance(raw, ox.QuerySolutions):
        cols = tuple(v.value for v in raw.variables)
        return QueryResult("select", cols, [tuple(term(s[c]) for c in cols) for s in raw])
    g = bind_prefixes(Graph())
    for t in raw:
        g.add((term(t.subject), term(t.predicate), term(t.object)))
    return QueryResult("graph", (), [], None, g)


def from_sparql_json(doc: dict) -> QueryResult:
    """SPARQL 1.1 Query Results JSON -> :class:`QueryResult`; a malformed document is a ``ValueError``."""
    try:
        if "boolean" in doc:
            return QueryResult("ask", (), [], bool(doc["boolean"]))
        cols = tuple(doc["head"]["vars"])
        rows = [tuple(from_json_binding(b.get(c)) for c in cols) for b in doc["results"]["bindings"]]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not SPARQL 1.1 JSON results (missing or wrong {exc})") from None
    return QueryResult("select", cols, rows)


def from_rdflib(raw) -> QueryResult:
    if raw.type == "ASK":
        return QueryResult("ask", (), [], bool(raw.askAnswer))
    if raw.type in ("CONSTRUCT", "DESCRIBE"):
        g = bind_prefixes(Graph())
        for t in raw.graph:
            g.add(t)
        return QueryResult("graph", (), [], None, g)
    cols = tuple(str(v) for v in raw.vars)
    rows = [tuple(_plain(r[i]) for i in range(len(cols))) for r in raw]
    return QueryResult("select", cols, rows)


def _plain(t: Node | None) -> Node | None:
    if isinstance(t, Literal) and t.datatype == XSD.string:
        return Literal(str(t))
    return t


# --- text forms ------------------------------------------------------------------------------

#: Control characters other than tab and line feed: C0, DEL and C1 (ESC starts a terminal escape sequence).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str, style: str = "x") -> str:
    """``text`` with every control character written out (``\\x1b``), so a value cannot drive the terminal.

    ``style="u"`` writes ``\\u001B``, the escape Turtle and JSON strings understand (lossless there).
    """
    if style == "u":
        return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04X}", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)

def cell(term: Node | None) -> str:
    """A term as shown in tables, CSV and expected files: CURIE (else ``<iri>``), lexical form, or empty.

    A boolean shows its value, ``true`` or ``false``, in whichever lexical form it came (``1``, ``0``).
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return curie_or_iri(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal) and term.datatype == XSD.boolean and str(term).strip() in _BOOLEAN:
        return _BOOLEAN[str(term).strip()]
    return str(term)


_BOOLEAN = {"true": "true", "1": "true", "false": "false", "0": "false"}


#: The one column Virtuoso 7 answers an ASK with over HTTP (a SELECT of 1, or no row for false).
ASK_RETVAL = "__ASK_RETVAL"


def as_ask(result: QueryResult) -> QueryResult:
    """An ASK answer that came back as Virtuoso's one-column SELECT of ``?__ASK_RETVAL``, read as the boolean.

    Virtuoso 7.2 answers ASK over the SPARQL protocol with one row ``1`` (true) or no row (false); any
    other answer is returned unchanged, so a real SELECT is never taken for a boolean.
    """
    if result.kind != "select" or result.columns != (ASK_RETVAL,):
        return result
    values = {str(row[0]).strip().lower() for row in result.rows if row and row[0] is not None}
    if not values <= {"1", "true", "0", "false"} or len(result.rows) > 1:
        return result
    return QueryResult("ask", (), [], bool(values & {"1", "true"}))


def normalise(text: str) -> str:
    """The comparable form of a cell: numbers by value, whitespace runs as one space."""
    s = " ".join(text.split())
    if not _NUMBER.fullmatch(s):
        return s
    try:
        return format(Decimal(s).normalize(), "f")
    except InvalidOperation:
        return s


def to_table(result: QueryResult) -> str:
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if result.kind == "graph":
        return to_turtle(result)
    # Whitespace runs become one space (a cell is one line); any other control character is shown escaped.
    cells = [[escape_controls(" ".join(cell(t).split())) for t in row] for row in result.rows]
    widths = [max([len(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(result.columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(" ".join(v.split()), w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _width(s: str) -> int:
    """Display width: CJK and full-width characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in " ".join(s.split()))


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def to_csv(result: QueryResult, escape: bool = False) -> str:
    """CSV, values exactly as in the graph; ``escape`` writes control characters out (for a terminal)."""
    if result.kind == "graph":
        raise ValueError("csv is for SELECT and ASK queries; use ttl or json for CONSTRUCT and DESCRIBE")
    if result.kind != "select":
        return to_table(result)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(result.columns)
    w.writerows([escape_controls(cell(t)) if escape else cell(t) for t in row] for row in result.rows)
    return buf.getvalue().rstrip("\n")


def _json_binding(t: Node) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    out = {"type": "literal", "value": str(t)}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype:
        out["datatype"] = str(t.datatype)
    return out


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 JSON results (full IRIs); a graph as JSON-LD. Control characters are JSON escapes."""
    if result.kind == "graph":
        return escape_controls(result.graph.serialize(format="json-ld", indent=2), "u")
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [{c: _json_binding(t) for c, t in zip(result.columns, row, strict=True) if t is not None}
                for row in result.rows]
    # json escapes C0 itself; DEL and C1 would reach the terminal raw with ensure_ascii=False.
    return escape_controls(json.dumps({"head": {"vars": list(result.columns)}, "results": {"bindings": bindings}},
                                      ensure_ascii=False, indent=2), "u")


def to_turtle(result: QueryResult) -> str:
    """Turtle; a control character in a literal is written as a ``\\u`` escape (the same string, and safe to print)."""
    if result.kind != "graph":
        raise ValueError("ttl is for CONSTRUCT and DESCRIBE queries; use table, csv or json")
    graph = bind_curie_prefixes(bind_prefixes(result.graph))  # CL:0002540 as in the table, not obo:CL_0002540
    return escape_controls(graph.serialize(format="longturtle").rstrip("\n"), "u")


def formats_for(kind: str) -> tuple[str, ...]:
    """The ``--format`` values that can show an answer of ``kind`` (select, ask or graph)."""
    return {"select": ("table", "csv", "json"), "ask": ("table", "csv", "json"),
            "graph": ("table", "json", "ttl")}[kind]


FORMATTERS = {"table": to_table, "csv": to_csv, "json": to_json, "ttl": to_turtle}


# --- expected answers ------------------------------------------------------------------------

def expected_dir() -> Path:
    return queries_dir() / "expected"


def expected_path(query: Named) -> Path | None:
    """``queries/expected/NAME.csv`` (SELECT), ``.ttl`` (CONSTRUCT) or ``.txt`` (ASK: true/false)."""
    for ext in (".csv", ".ttl", ".txt"):
        p = expected_dir() / f"{query.name}{ext}"
        if p.is_file():
            return p
    return None


def read_expected_rows(path: Path) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Header and rows of an expected CSV; lines starting with ``#`` are notes, not rows."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    rows = list(csv.reader(lines))
    return tuple(rows[0]), [tuple(r) for r in rows[1:] if r]


def compare_rows(columns: tuple[str, ...], rows: list[Row], exp_cols: tuple[str, ...],
                 exp_rows: list[tuple[str, ...]]) -> list[str]:
    """Differences between answer rows and expected rows, order-insensitive (as multisets)."""
    if tuple(columns) != tuple(exp_cols):
        return [f"columns {list(columns)} but expected {list(exp_cols)}"]
    got = Counter(tuple(normalise(cell(t)) for t in r) for r in rows)
    want = Counter(tuple(normalise(v) for v in r) for r in exp_rows)
    diffs = [f"missing row {list(r)}" for r in sorted((want - got).elements())]
    diffs += [f"unexpected row {list(r)}" for r in sorted((got - want).elements())]
    return diffs


def compare_graphs(got: Graph, want: Graph) -> list[str]:
    if isomorphic(got, want):
        return []
    _, only_got, only_want = graph_diff(to_isomorphic(got), to_isomorphic(want))
    return ([f"missing triple {' '.join(cell(x) for x in t)}" for t in sorted(only_want)]
            + [f"unexpected triple {' '.join(cell(x) for x in t)}" for t in sorted(only_got)]
            + ([] if len(got) == len(want) else [f"{len(got)} triples, expected {len(want)}"]))


def compare_expected(query: Named, result: QueryResult) -> list[str]:
    """What differs between ``result`` and the query's expected answer (empty when they agree)."""
    path = expected_path(query)
    if path is None:
        return ["no expected answer"]
    if result.kind == "ask":
        want = path.read_text(encoding="utf-8").split("\n#")[0].strip().lower()
        got = "true" if result.boolean else "false"
        return [] if got == want else [f"answered {got}, expected {want}"]
    if result.kind == "graph":
        want_g = Graph().parse(path, format="turtle")
        return compare_graphs(result.graph, want_g)
    cols, rows = read_expected_rows(path)
    return compare_rows(result.columns, result.rows, cols, rows)


def term_key(term: Node | None) -> tuple | None:
    """An answer's term as engines agree on it: IRIs as IRIs, literals by language or datatype and value
    (numbers by value, so ``12`` and ``12.0`` of one datatype family are equal), blank nodes as blank
    (each engine names its own)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        if term.language:
            return ("text", str(term), term.language.lower())
        datatype = str(term.datatype or XSD.string)
        if datatype in _NUMERIC:
            try:
                return ("number", Decimal(str(term)).normalize())
            except InvalidOperation:
                return ("literal", str(term), datatype)
        if datatype == str(XSD.boolean):
            return ("boolean", str(term).strip().lower() in ("true", "1"))
        return ("literal", str(term), datatype)
    return ("other", str(term))


def same_answer(a: QueryResult, b: QueryResult) -> list[str]:
    """Differences between two engines' answers to one query (order-insensitive), compared as RDF terms."""
    if a.kind != b.kind:
        return [f"one answer is {a.kind}, the other {b.kind}"]
    if a.kind == "ask":
        return [] if a.boolean == b.boolean else [f"{a.boolean} vs {b.boolean}"]
    if a.kind == "graph":
        return compare_graphs(a.graph, b.graph)
    if tuple(a.columns) != tuple(b.columns):
        return [f"columns {list(a.columns)} but {list(b.columns)}"]
    got = Counter(tuple(term_key(t) for t in r) for r in a.rows)
    other = Counter(tuple(term_key(t) for t in r) for r in b.rows)
    return ([f"only in the first answer: {list(r)}" for r in sorted((got - other).elements(), key=str)]
            + [f"only in the second answer: {list(r)}" for r in sorted((other - got).elements(), key=str)])
