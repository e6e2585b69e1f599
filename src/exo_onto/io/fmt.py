"""Canonical Turtle: sorted, stable prefixes, diff-friendly (rdflib ``longturtle``) — and lossless.

Every Turtle file in the repository is kept in this form; ``exo-onto fmt`` rewrites files into it
and ``exo-onto fmt --check`` (and the tests) fail on any file that is not.

``fmt`` also runs on a user's own files, so it must never lose what they wrote. It keeps the file's
prefix names and ``@base`` (the project's prefixes are only added for namespaces the file does not
declare), every literal's lexical form (``"007"^^xsd:integer`` stays ``007``), relative IRIs relative,
a UTF-8 byte-order mark, and the comment block at the top of the file. Any other comment makes it
refuse unless told to drop comments. Before writing, the new text is parsed back and must give the
same graph, literal for literal, under the same base; otherwise the file is left alone.

Files are read with Oxigraph (as ``exo-onto check`` reads them), which keeps lexical forms as written
and so needs no change to rdflib's global literal normalisation.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.plugins.serializers.longturtle import VERB, LongTurtleSerializer

from exo_onto.io.serialize import canonical
from exo_onto.io.write import write_bytes_atomic
from exo_onto.terms.namespaces import bind_prefixes

BOM = b"\xef\xbb\xbf"

#: Scheme of the stand-in document IRI a file is parsed against: no real IRI uses it, so every IRI
#: that has it came from a relative reference and is written back relative.
_PLACEHOLDER_SCHEME = "x-exo-onto-fmt-document"

_XSD_STRING = str(XSD.string)

#: Turtle's bare literal forms: a lexical form that matches is written bare and reads back identical.
_BARE_FORMS = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}

#: Just enough of Turtle's lexer to tell a comment from a ``#`` in an IRI, a string or an escaped name.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>(?:\"\"\"[^"\\]*(?:(?:\\.|"{1,2}(?=[^"]))[^"\\]*)*\"\"\"
                  |'''[^'\\]*(?:(?:\\.|'{1,2}(?=[^']))[^'\\]*)*'''
                  |"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"
                  |'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*')
                 (?:@(?P<lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*))?)
    | (?P<escape>\\.)
    | (?P<space>\s+)
    | (?P<other>[^\#<"'\\\s]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_DIRECTIVE = re.compile(r"(?:@prefix|@base|prefix|base)\s", re.IGNORECASE)


class FormatError(Exception):
    """A file ``fmt`` will not rewrite; ``str()`` is one line naming the file (and line)."""


@dataclass
class _Scan:
    """What the lexer found: the top comment block, the first other comment, lang tags as written."""

    header: str
    comment_line: int | None
    langs: dict[str, str]


def _scan(text: str) -> _Scan:
    """Find comments and language tags without mistaking a ``#`` inside an IRI or string for one.

    The comment block at the very top is kept when a blank line or a directive follows it (a
    comment right above a statement belongs to that statement, which sorting may move away).
    """
    header_end = 0  # end of the last comment of the top block
    in_header = True
    header_ok = False
    comment_line = None
    langs: dict[str, str] = {}
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            if in_header:
                header_end = m.end()
                header_ok = False  # until a blank line or a directive follows
            elif comment_line is None:
                comment_line = text.count("\n", 0, m.start()) + 1
            continue
        if kind == "space":
            if in_header and header_end and m.group().count("\n") > 1:
                header_ok = True  # a blank line ends the top block
            continue
        if in_header:
            in_header = False
            if header_end and not header_ok:
                header_ok = bool(_DIRECTIVE.match(text, m.start()))
            if header_end and not header_ok:  # the top comments belong to the first statement
                comment_line = text.count("\n", 0, text.index("#")) + 1
                header_end = 0
        if m.group("lang"):
            langs.setdefault(m.group("lang").lower(), m.group("lang"))
    if in_header and header_end:
        header_ok = True  # a file of nothing but comments
    lines = [line.rstrip() for line in text[:header_end].splitlines()] if header_ok else []
    while lines and not lines[0]:
        lines.pop(0)
    return _Scan("\n".join(lines), comment_line, langs)


_URI_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.DOTALL)


def relativize(iri: str, base: str, below_only: bool = False) -> str | None:
    """A relative reference that resolves against ``base`` to ``iri`` (RFC 3986), or None if none fits.

    ``below_only`` (for a real ``@base``) only shortens IRIs in the base's folder or below: an IRI
    the user wrote elsewhere stays absolute rather than becoming ``../x`` or ``//host/x``.
    """
    scheme, auth, path, query, frag = _URI_PARTS.fullmatch(iri).groups()  # type: ignore[union-attr]
    bscheme, bauth, bpath, bquery, _ = _URI_PARTS.fullmatch(base).groups()  # type: ignore[union-attr]
    if scheme is None or scheme != bscheme or not bpath.startswith("/") or not path.startswith("/"):
        return None
    if below_only and (auth != bauth or not path.startswith(bpath.rsplit("/", 1)[0] + "/")):
        return None
    tail = ("" if query is None else "?" + query) + ("" if frag is None else "#" + frag)
    if auth != bauth:
        return None if auth is None else f"//{auth}{path}{tail}"
    if path.startswith("//"):
        return None
    if path == bpath:
        if query == bquery:
            return "" if frag is None else "#" + frag
        if query is not None:
            return tail
        rel = path.rsplit("/", 1)[1]
        return ("./" + rel if not rel or ":" in rel else rel) + tail
    base_dir = bpath.split("/")[:-1]
    segments = path.split("/")
    common = 0
    for a, b in zip(base_dir, segments[:-1], strict=False):
        if a != b:
            break
        common += 1
    if common <= 1:  # nothing shared but the root: an absolute path does not depend on where the file is
        return path + tail
    up = len(base_dir) - common
    rel = "../" * up + "/".join(segments[common:])
    if not rel:
        rel = "./"
    elif up == 0 and ":" in segments[common]:
        rel = "./" + rel
    return rel + tail


def _literal(lit: Literal, datatype_name, langs: dict[str, str]) -> str:
    """A literal as Turtle that reads back with the same lexical form (rdflib would write ``"1"^^xsd:boolean`` as 1)."""
    form = _BARE_FORMS.get(lit.datatype)
    if form is not None and form.fullmatch(str(lit)):
        return str(lit)
    if lit.language:
        lit = Literal(str(lit), lang=langs.get(lit.language.lower(), lit.language))
    return lit._literal_n3(use_plain=False, qname_callback=datatype_name)


class _Serializer(LongTurtleSerializer):
    """rdflib's longturtle, writing the file's own prefixes and base, relative IRIs and exact literals."""

    def __init__(self, store: Graph, declared: dict[str, str], base: str | None, document: str | None,
                 langs: dict[str, str]) -> None:
        super().__init__(store)
        self._declared = declared
        self._declared_base = base
        self._document = document
        self._effective_base = base or document
        self._langs = langs

    def _iri(self, iri: str, against: str | None) -> str:
        # Placeholder IRIs must all become relative; a real base only shortens what lies below it.
        below_only = not (against or "").startswith(_PLACEHOLDER_SCHEME + ":")
        rel = relativize(iri, against, below_only) if against else None
        return URIRef(iri if rel is None else rel).n3()

    def buildPredicateHash(self, subject):  # noqa: ANN001, ANN201, N802 - rdflib's signature
        # rdflib sorts each object list by value, so 4 and 4.0 tie and would come out in the store's
        # (hash-seeded) order; a first sort on the written form makes the stable value sort deterministic.
        properties = super().buildPredicateHash(subject)
        for objects in properties.values():
            objects.sort(key=lambda o: (type(o).__name__, str(o), str(getattr(o, "datatype", "") or ""),
                                        getattr(o, "language", "") or ""))
        return properties

    def get_pname(self, uri, gen_prefix=True):  # noqa: ANN001, ANN201 - rdflib's signature
        # Never invent a prefix (rdflib's ns1:): a namespace nobody declared is written in full.
        return super().get_pname(uri, gen_prefix=False)

    def label(self, node, position):  # noqa: ANN001, ANN201 - rdflib's signature
        if node == RDF.nil:
            return "()"
        if position == VERB and node in self.keywords:
            return self.keywords[node]
        if isinstance(node, Literal):
            return _literal(node, lambda dt: self.get_pname(dt), self._langs)
        if isinstance(node, URIRef):
            return self.get_pname(node) or self._iri(str(node), self._effective_base)
        return super().label(node, position)

    def startDocument(self) -> None:  # noqa: N802 - rdflib's name
        self._started = True
        if self._declared_base:
            self.write(f"BASE {self._iri(self._declared_base, self._document)}\n")
        for prefix, namespace in sorted({**self.namespaces, **self._declared}.items()):
            self.write(f"PREFIX {prefix}: {self._iri(str(namespace), self._effective_base)}\n")


def _bound_graph(declared: dict[str, str] | None) -> Graph:
    """A graph with the file's prefixes bound, then the project's for every namespace the file leaves out."""
    project = bind_prefixes(Graph())
    if declared is None:
        return project
    graph = Graph(bind_namespaces="none")
    seen: set[str] = set()
    for prefix, namespace in sorted(declared.items()):
        if namespace not in seen:  # two names for one namespace: the first writes the names
            graph.bind(prefix, namespace, override=True, replace=True)
            seen.add(namespace)
    for prefix, namespace in project.namespaces():
        if prefix not in declared and str(namespace) not in seen:
            graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def canonical_turtle(graph: Graph, *, prefixes: dict[str, str] | None = None, base: str | None = None,
                     document: str | None = None, langs: dict[str, str] | None = None) -> str:
    """Serialize ``graph`` as canonical Turtle.

    By default with the project's prefixes. ``prefixes`` and ``base`` are a file's own declarations,
    kept in the output; IRIs under ``document`` (the IRI the file was parsed against) or under
    ``base`` are written relative to it; ``langs`` maps lower-case language tags to their spelling.
    """
    out = _bound_graph(prefixes)
    # Canonical blank-node labels make the order of anonymous axioms independent of parse order.
    for triple in canonical(graph):
        out.add(triple)
    serializer = _Serializer(out, prefixes or {}, base, document, langs or {})
    stream = io.BytesIO()
    serializer.serialize(stream, encoding="utf-8")
    text = stream.getvalue().decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


def _document_iri(path: Path) -> str:
    """The stand-in IRI a file is parsed against: its real path under a scheme no file uses."""
    return _PLACEHOLDER_SCHEME + path.resolve().as_uri()[len("file"):]


def _term(term: object, where: str) -> URIRef | BNode | Literal:
    """An Oxigraph term as rdflib's, the literal's lexical form exactly as written."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal) and not getattr(term, "direction", None):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise FormatError(f"{where}: has RDF 1.2 terms fmt cannot write; left unchanged")


@dataclass
class _Parsed:
    graph: Graph
    prefixes: dict[str, str]
    base: str


def _parse(data: bytes, document: str, where: str) -> _Parsed:
    """Parse Turtle with Oxigraph against ``document``; a syntax error is one ``FILE:LINE: what`` line."""
    graph = Graph(bind_namespaces="none")
    parser = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=document)
    try:
        for quad in parser:
            graph.add((_term(quad.subject, where), _term(quad.predicate, where), _term(quad.object, where)))
    except SyntaxError as exc:
        message = str(exc.msg).split(": ", 1)[-1] if exc.msg else str(exc)
        raise FormatError(f"{where}:{exc.lineno}: {message}" if exc.lineno else f"{where}: {message}") from exc
    return _Parsed(graph, dict(parser.prefixes), parser.base_iri or document)


def _not_utf8(where: str, data: bytes, exc: UnicodeDecodeError) -> FormatError:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return FormatError(f"{where}: not UTF-8 (byte 0x{data[exc.start]:02x} at line {line}, column {column}); "
                       "convert it to UTF-8 first, e.g. iconv -f GBK -t UTF-8")


class _NoIllTypedLiteralLogs(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


@contextmanager
def _quiet_ill_typed_literals() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal (``"aldi"^^xsd:integer``); fmt keeps them as written."""
    logger, quiet = logging.getLogger("rdflib.term"), _NoIllTypedLiteralLogs()
    logger.addFilter(quiet)
    try:
        with warnings.catch_warnings():  # and warns about weird booleans
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        logger.removeFilter(quiet)


def format_bytes(data: bytes, document: str, where: str, drop_comments: bool = False) -> bytes:
    """The canonical form of one Turtle file's bytes, or :class:`FormatError` if it cannot be lossless."""
    with _quiet_ill_typed_literals():
        return _format_bytes(data, document, where, drop_comments)


def _format_bytes(data: bytes, document: str, where: str, drop_comments: bool) -> bytes:
    bom = data.startswith(BOM)
    body = data[len(BOM):] if bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(where, body, exc) from exc
    parsed = _parse(body, document, where)
    scan = _scan(text)
    if scan.comment_line is not None and not drop_comments:
        raise FormatError(f"{where}:{scan.comment_line}: has a comment fmt would drop; left unchanged "
                          "(only the comment block at the top is kept; --drop-comments drops the others)")
    base = parsed.base if parsed.base != document else None
    out = canonical_turtle(parsed.graph, prefixes=parsed.prefixes, base=base, document=document,
                           langs=scan.langs)
    if not out.strip():
        out = ""  # nothing but comments (or nothing at all): no blank line to add
    if scan.header:
        out = f"{scan.header}\n\n{out}" if out else scan.header + "\n"
    result = (BOM if bom else b"") + out.encode("utf-8")
    if result != data:
        _verify(parsed, result[len(BOM) if bom else 0:], document, where)
    return result


def _verify(before: _Parsed, output: bytes, document: str, where: str) -> None:
    """Refuse unless ``output`` reads back as the same graph, lexical forms, prefixes and base included."""
    problem = None
    if _PLACEHOLDER_SCHEME.encode() in output:
        problem = "an IRI relative to the file cannot be written relative to its @base"
    else:
        try:
            after = _parse(output, document, where)
        except FormatError as exc:
            problem = f"its output does not parse ({exc})"
        else:
            if not isomorphic(before.graph, after.graph):
                problem = "its output is a different graph"
            elif after.base != before.base:
                problem = "its output has another base"
            elif any(after.prefixes.get(p) != ns for p, ns in before.prefixes.items()):
                problem = "its output binds a prefix to another namespace"
    if problem:
        raise FormatError(f"{where}: fmt cannot rewrite this file without loss ({problem}); left unchanged")


def format_file(path: Path, check: bool = False, drop_comments: bool = False) -> bool:
    """Rewrite ``path`` canonically (or only compare when ``check``); True if it was already canonical.

    A symlink's target is rewritten and the link kept. Raises :class:`FormatError` (one line, the
    file untouched) for a file that is unreadable, not UTF-8, not Turtle, has comments fmt would
    drop (unless ``drop_comments``), cannot be written without loss, or cannot be written.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    wanted = format_bytes(data, _document_iri(target), str(path), drop_comments)
    if wanted == data:
        return True
    if not check:
        try:
            write_bytes_atomic(target, wanted)
        except OSError as exc:
            raise FormatError(f"{path}: cannot write ({exc.strerror or exc}); the file is unchanged") from exc
    return False
