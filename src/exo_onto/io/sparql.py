"""SPARQL text handling shared by every engine: errors, syntax check, and binding by VALUES.

Kept apart from :mod:`exo_onto.query.stored` so the one place that turns user values into query text
is small enough to audit: values become RDF terms, written by the term serializer, in one
``VALUES`` row at the top of the outermost ``WHERE`` group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

#: Characters that may not appear in an IRI (RFC 3987 / SPARQL IRIREF).
BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class QueryError(Exception):
    """Any failure a user can act on; ``str()`` is one line, suitable as the whole error message."""


class QueryTimeout(QueryError):
    """The answer was not complete by the deadline (``--timeout``); the query was stopped."""


class AnswerTooLarge(QueryError):
    """The answer is larger than the cap (``--max-bytes``); reading stopped there."""


class QuerySyntaxError(QueryError):
    def __init__(self, where: str, line: int | None, column: int | None, message: str) -> None:
        self.line, self.column = line, column
        pos = f":{line}:{column}" if line is not None else ""
        super().__init__(f"{where}{pos}: SPARQL syntax error: {message}")


_TOKEN = re.compile(
    r'(?P<comment>#[^\n]*)|(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')"
    r"|(?P<open>\{)|(?P<close>\})|(?P<word>[A-Za-z_][\w:.-]*)|(?P<other>.)",
    re.S,
)


def strip_comments(text: str) -> str:
    return "".join(m.group(0) if m.lastgroup != "comment" else " " for m in _TOKEN.finditer(text))


def _where_brace(text: str) -> int:
    """Offset of the ``{`` that opens the outermost WHERE group (stored queries spell WHERE out)."""
    depth, seen_where = 0, False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            if depth == 0 and seen_where:
                return m.start()
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and m.group(0).upper() == "WHERE":
            seen_where = True
    raise QueryError("the query has no top-level WHERE { … } group to bind parameters in")


def term_to_sparql(term: Node) -> str:
    """An RDF term written in SPARQL syntax, escaped, so it can only ever be data."""
    if isinstance(term, URIRef):
        if BAD_IRI.search(str(term)):
            raise QueryError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()  # rdflib escapes quotes, backslashes and line breaks
    raise QueryError(f"cannot bind {term!r}")


def with_values(text: str, bindings: Mapping[str, Node]) -> str:
    """``text`` with one ``VALUES`` row binding ``bindings`` at the top of its WHERE group.

    The block is inserted on the brace's own line, so error positions on other lines are kept.
    """
    if not bindings:
        return text
    at = _where_brace(text) + 1
    names = " ".join(f"?{n}" for n in bindings)
    row = " ".join(term_to_sparql(t) for t in bindings.values())
    return f"{text[:at]} VALUES ({names}) {{ ({row}) }} {text[at:]}"


_POS = re.compile(r"error at (\d+):(\d+):?\s*(.*)", re.S)
_FOUND = re.compile(r"found (.+?)\s+\(at char \d+\)")


def check_text(text: str, where: str) -> None:
    """Parse the query; raise :class:`QuerySyntaxError` naming the line and column of the mistake.

    Oxigraph decides whether the text is valid SPARQL 1.1. Its parser reports the furthest point
    it reached (often the closing brace), so the position shown comes from rdflib's parser, which
    stops at the offending token, whenever rdflib can place it.
    """
    try:
        ox.Store().query(text)
        return
    except SyntaxError as exc:
        ox_message = " ".join(str(exc).split())
    m = _POS.search(ox_message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    message = _shorten(m.group(3) if m else ox_message)
    try:
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(text)
    except Exception as exc:  # pyparsing's ParseException, or rdflib's own errors
        if getattr(exc, "lineno", None) and getattr(exc, "col", None):
            line, column = exc.lineno, exc.col
            found = _FOUND.search(str(exc))
            message = f"unexpected {found.group(1)}" if found else message
        elif "prefix" in str(exc).lower():
            message = " ".join(str(exc).split())
    raise QuerySyntaxError(where, line, column, message) from None


def _shorten(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[:limit] + "…"


def leading_comments(text: str) -> Iterator[str]:
    """The ``#`` lines that open a query file (blank lines between them allowed): where stored queries and
    QC checks keep their headers."""
    for line in text.splitlines():
        if line.startswith("#"):
            yield line
        elif line.strip():
            return
