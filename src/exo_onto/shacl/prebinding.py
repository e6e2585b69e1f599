"""SHACL-SPARQL query text: the pre-binding rules, binding ``$this``, and when a join means the same.

SHACL runs a SPARQL constraint once per focus node with ``$this`` *pre-bound*: the variable is
replaced by the node everywhere in the query, nested SELECTs included (SHACL §5.3.1). The standard
forbids what makes that ambiguous (MINUS, VALUES, SERVICE, ``AS $this``, a nested SELECT that does not
return ``$this``); such a constraint is refused, as pyshacl and the W3C tests do. Texts are read
with a tokenizer, so a keyword inside a string, an IRI or a comment is never taken for syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from exo_onto.io.sparql import _TOKEN

#: Variables SHACL pre-binds; a constraint may not rebind them.
PRE_BOUND = ("this", "currentShape", "shapesGraph")
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_NOT_JOINABLE = {"GROUP", "HAVING", "LIMIT", "OFFSET", "ORDER", "GRAPH", "UNION", "FROM", *_AGGREGATES}
_VAR = re.compile(r"[?$](\w+)")


class IllFormedConstraint(Exception):
    """A SPARQL constraint the SHACL standard does not allow (``str()`` says which rule it breaks)."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # comment, iri, string, open, close, word, other
    text: str
    start: int
    depth: int  # brace depth before the token
    parens: int  # parenthesis depth before the token


def tokens(text: str) -> Iterator[_Tok]:
    """The tokens of a query with their brace and parenthesis depth; variables come as one ``other`` token."""
    depth = parens = 0
    pos = 0
    while pos < len(text):
        var = _VAR.match(text, pos)
        if var:
            yield _Tok("var", var.group(0), pos, depth, parens)
            pos = var.end()
            continue
        m = _TOKEN.match(text, pos)
        kind, tok = m.lastgroup or "other", m.group(0)
        if kind == "other" and tok == "(":
            parens += 1
        elif kind == "other" and tok == ")":
            parens -= 1
        if kind == "close":
            depth -= 1
        yield _Tok(kind, tok, pos, depth, parens)
        if kind == "open":
            depth += 1
        pos = m.end()


def _words(text: str) -> list[_Tok]:
    return [t for t in tokens(text) if t.kind not in ("comment", "string", "iri") and not t.text.isspace()]


def _is_word(t: _Tok, *words: str) -> bool:
    return t.kind == "word" and t.text.upper() in words


def _projections(toks: list[_Tok]) -> list[tuple[_Tok, list[_Tok]]]:
    """(the SELECT token, the tokens of its projection) for every SELECT of the query, outer first."""
    out = []
    for i, t in enumerate(toks):
        if _is_word(t, "SELECT"):
            j = i + 1
            while j < len(toks) and not (toks[j].kind == "open" or _is_word(toks[j], "WHERE", "FROM")):
                j += 1
            out.append((t, toks[i + 1:j]))
    return out


def _returns(select: _Tok, projection: list[_Tok], name: str, star: bool = True) -> bool:
    top = [t for t in projection if t.parens == select.parens]
    return (star and any(t.text == "*" for t in top)) or any(t.kind == "var" and t.text[1:] == name for t in top)


def check_pre_binding(text: str) -> None:
    """Raise :class:`IllFormedConstraint` when ``text`` breaks a pre-binding rule of SHACL §5.3.1."""
    toks = _words(text)
    for t in toks:
        if _is_word(t, "MINUS", "VALUES", "SERVICE"):
            raise IllFormedConstraint(f"a SPARQL constraint may not use {t.text.upper()}")
    for a, b in zip(toks, toks[1:], strict=False):
        if _is_word(a, "AS") and b.kind == "var" and b.text[1:] in PRE_BOUND:
            raise IllFormedConstraint(f"a SPARQL constraint may not rebind {b.text} with AS")
    for select, projection in _projections(toks)[1:]:
        # SELECT * does not count: whether it returns $this depends on the pre-binding (data-shapes issue 84).
        if not _returns(select, projection, "this", star=False):
            raise IllFormedConstraint("a nested SELECT of a SPARQL constraint must return $this by name")


def mentions(text: str, name: str) -> bool:
    """True when the variable ``?name``/``$name`` occurs in ``text`` (outside strings, IRIs and comments)."""
    return any(t.kind == "var" and t.text[1:] == name for t in _words(text))


def substitute(text: str, name: str, term: str) -> str:
    """``text`` with the variable ``name`` replaced by the SPARQL term ``term``: pre-binding as SHACL defines it.

    The variable leaves every projection (a constant cannot be projected); a projection left empty
    becomes ``*``; ``BOUND($this)`` is ``true``. The text is read once; each focus node is a join.
    """
    return term.join(_pieces(text, name))


@lru_cache(maxsize=256)
def _pieces(text: str, name: str) -> tuple[str, ...]:
    """``text`` cut at every place the term goes."""
    text = re.sub(rf"\bBOUND\s*\(\s*[?$]{name}\s*\)", "(true)", text, flags=re.IGNORECASE)
    pieces, out, last = [], [], 0
    select: _Tok | None = None  # the SELECT whose projection is being read
    kept = 0
    for t in tokens(text):
        if _is_word(t, "SELECT"):
            select, kept = t, 0
            continue
        if select is not None and (t.kind == "open" or _is_word(t, "WHERE", "FROM")):
            if kept == 0:
                out += [text[last:t.start], "* "]
                last = t.start
            select = None
        if t.kind == "var" and t.text[1:] == name:
            out.append(text[last:t.start])
            last = t.start + len(t.text)
            if select is None or t.parens != select.parens:
                pieces.append("".join(out))
                out = []
        elif select is not None and t.parens == select.parens and (t.kind == "var" or t.text in ("(", "*")):
            kept += 1
    out.append(text[last:])
    pieces.append("".join(out))
    return tuple(pieces)


def joinable(text: str) -> bool:
    """Whether running ``text`` once, joined with every focus node, gives what pre-binding ``$this`` gives.

    True when the query has one SELECT, which returns ``$this`` and binds it in a triple pattern of
    its own top-level group; uses it elsewhere only in FILTER/BIND expressions of that group, in
    EXISTS or in OPTIONAL (which see the outer binding), never in a nested group, UNION or subquery
    (evaluated on their own, where it is unbound); and has no aggregate, GROUP BY, HAVING, LIMIT,
    OFFSET, ORDER BY, GRAPH or FROM.
    """
    toks = _words(text)
    projections = _projections(toks)
    if len(projections) != 1 or not _returns(*projections[0], "this"):
        return False
    if any(_is_word(t, *_NOT_JOINABLE) for t in toks):
        return False
    where = next((i for i, t in enumerate(toks) if t.kind == "open"), None)
    if where is None:
        return False
    kinds: list[str] = []  # the kind of every open group: where, exists, optional, group
    bound = False
    for i in range(where, len(toks)):
        t = toks[i]
        if t.kind == "open":
            before = toks[i - 1] if i > where else None
            kinds.append("where" if i == where else "exists" if before is not None and _is_word(before, "EXISTS")
                         else "optional" if before is not None and _is_word(before, "OPTIONAL") else "group")
        elif t.kind == "close":
            kinds.pop()
        elif t.kind == "var" and t.text[1:] == "this":
            if "group" in kinds:
                return False
            bound = bound or (kinds == ["where"] and t.parens == 0)
    return bound


def prebind_blank(text: str, name: str = "this") -> str:
    """``text`` ready for an engine-side binding of ``name`` to a blank node (a blank node has no SPARQL constant).

    Oxigraph binds only projected variables, and not inside nested SELECTs: the outer projection gets
    the variable, and a nested SELECT that uses it is refused.
    """
    toks = _words(text)
    projections = _projections(toks)
    if any(_returns(select, projection, name) for select, projection in projections[1:]):
        raise IllFormedConstraint(f"a blank-node focus cannot be pre-bound inside a nested SELECT (${name})")
    if not projections or _returns(*projections[0], name):
        return text
    select, projection = projections[0]
    after = projection[0] if projection and _is_word(projection[0], "DISTINCT", "REDUCED") else select
    at = after.start + len(after.text)
    return f"{text[:at]} ?{name}{text[at:]}"
