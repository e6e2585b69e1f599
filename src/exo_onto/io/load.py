"""Parse the project's Turtle, with errors that name file and line.

Two targets: an rdflib graph (:func:`load_graph`, what the small steps and the tests walk) and an
Oxigraph store (:func:`load_store`, the path that scales to millions of triples). Both apply one
rule: Oxigraph's parser decides what is valid (rdflib accepts an IRI with a space, which no store
would take), a UTF-8 byte-order mark is skipped, and every failure is a :class:`TurtleError` whose
text is one line, ``FILE:LINE: what is wrong``. Every function that takes files accepts one path
or many, as ``str`` or :class:`~pathlib.Path` (see :func:`as_paths`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF, XSD

from exo_onto.paths import ontology_files, tbox_files
from exo_onto.terms.convert import ox_to_rdflib
from exo_onto.terms.namespaces import bind_prefixes

#: One file, or several, each a ``str`` or a path-like object.
PathLike = str | os.PathLike[str]
Files = PathLike | Iterable[PathLike]

_BOM = b"\xef\xbb\xbf"
#: Oxigraph's parser refuses a single term (a literal, an IRI) longer than this.
TERM_LIMIT = 16 * 1024 * 1024
#: Where an N-Triples line has a typed literal (a closing quote, then ``^^<``), or may have a blank node.
_TYPED = re.compile(rb'"\^\^<')
_BLANK = re.compile(rb"_:")


def as_paths(files: Files | None) -> list[Path] | None:
    """``files`` as a list of paths; ``None`` stays ``None`` (meaning: the project's files).

    A ``str`` or ``Path`` is one file, never a sequence of characters: ``run_check("a.ttl")`` must
    not try the files ``a``, ``.``, ``t``, …
    """
    if files is None:
        return None
    if isinstance(files, (str, os.PathLike)):
        return [Path(files)]
    if isinstance(files, bytes):
        raise TypeError("file names are str or Path, not bytes")
    return [Path(f) for f in files]


def is_project_graph(files: Files | None) -> bool:
    """Whether ``files`` are exactly the project's own ontology files (``None`` is the project).

    Steps that compare against the project's own expectations (stored queries and their expected
    answers, the ontology-header QC check) only mean something for that set.
    """
    paths = as_paths(files)
    if paths is None:
        return True
    return {p.resolve() for p in paths} == {p.resolve() for p in ontology_files()}


class TurtleError(Exception):
    """A Turtle file that does not parse; ``str()`` is ``FILE:LINE: what is wrong``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


_LINE_RE = re.compile(r"at line (\d+)")


def _describe(exc: Exception) -> tuple[int | None, str]:
    """The 1-based line and a one-line reason from one of rdflib's parser errors.

    rdflib's own ``BadSyntax.lines`` drifts on long files, so the line is recomputed from the
    character offset of the error in the parsed text.
    """
    text, offset = getattr(exc, "_str", None), getattr(exc, "_i", None)
    if isinstance(text, (str, bytes)) and isinstance(offset, int):
        newline = b"\n" if isinstance(text, bytes) else "\n"  # rdflib keeps the UTF-8 bytes
        line: int | None = text.count(newline, 0, offset) + 1
    else:
        m = _LINE_RE.search(str(exc))
        line = int(m.group(1)) if m else None
    reason = getattr(exc, "_why", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return line, str(reason).strip()


def parse_turtle(path: PathLike, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``graph`` (a new one by default) or raise :class:`TurtleError`.

    The file is first read by Oxigraph's parser (see :func:`check_file`), so a file this accepts is
    one every command and every store accepts; rdflib then builds the graph. A file parsed before in
    this process, unchanged since, is not parsed again (:func:`parsed`).
    """
    graph = graph if graph is not None else bind_prefixes(Graph())
    for triple in parsed(path):
        graph.add(triple)
    return graph


#: Parsed files are kept, per content, for the life of the process: at most this many bytes of Turtle in all
#: (the project has 1 MB; a parsed graph takes about ten times its file's size), the least recently read
#: dropped first. A larger file is never kept.
_KEPT_BYTES = 16 << 20
_kept: OrderedDict[tuple[str, str, bytes], tuple[int, Graph]] = OrderedDict()
_kept_lock = threading.Lock()


def parsed(path: PathLike) -> Graph:
    """``path`` parsed (see :func:`parse_turtle`), as a graph the caller must not change: the same object for
    each call while the file holds the same bytes. `docs` reads the project's files twice (the whole graph,
    then the ontology), `build` reads the TBox twice, and a notebook or the tests read them hundreds of
    times. Keyed by a hash of the content, not the modification time, which some file systems keep to the
    second: an edit is always read."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return _parse(path)  # Oxigraph's reader names what is wrong
    if len(data) > _KEPT_BYTES:
        return _parse(path, data)
    key = (str(path), str(path.resolve()), hashlib.blake2b(data, digest_size=16).digest())
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key][1]
    graph = _parse(path, data)  # the bytes hashed are the bytes parsed; errors name the file as given
    with _kept_lock:
        _kept[key] = (len(data), graph)
        while sum(size for size, _ in _kept.values()) > _KEPT_BYTES:
            _kept.popitem(last=False)
    return graph


def _parse(path: Path, data: bytes | None = None) -> Graph:
    check_file(path)
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8-sig")  # -sig: a BOM is not a subject
    except (OSError, UnicodeDecodeError) as exc:
        raise TurtleError(path, None, f"cannot read: {_one_line(exc)}") from exc
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises several unrelated exception types
        line, reason = _describe(exc)
        raise TurtleError(path, line, _one_line(reason)) from exc
    return graph


def load_graph(files: Files | None = None) -> Graph:
    """Load the project's graph (every ``ontology/*.ttl`` by default) with every prefix bound.

    ``files`` is one path or a list of paths (``str`` or ``Path``).
    """
    graph = bind_prefixes(Graph())
    paths = as_paths(files)
    for path in paths if paths is not None else ontology_files():
        parse_turtle(path, graph)
    return graph


def load_ontology(files: Files | None = None) -> Graph:
    """The ontology without the knowledge graph as one graph: the TBox with its import modules and bridge
    (:func:`exo_onto.paths.tbox_files` by default), under the TBox's header alone. The modules' own
    headers and every ``owl:imports`` go: the graph already holds what they name, and a tool reading
    it must not try to fetch them."""
    paths = as_paths(files) if files is not None else tbox_files()
    graph = load_graph(paths)
    headers = sorted(graph.subjects(RDF.type, OWL.Ontology), key=str)
    first = parsed(paths[0]).value(predicate=RDF.type, object=OWL.Ontology) if paths else None
    for header in headers:
        if header != first:
            graph.remove((header, None, None))
    graph.remove((None, OWL.imports, None))
    return graph


def check_file(path: PathLike) -> None:
    """Raise :class:`TurtleError` if Oxigraph's parser rejects ``path`` (the one rule for every loader)."""
    path = Path(path)
    for _ in _quads(path, {}):
        pass


def _one_line(text: object, limit: int = 300) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[:limit] + "…"


#: Literal datatypes Oxigraph stores as written; every other typed literal may come back changed.
_KEPT_AS_WRITTEN = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


@dataclass
class LoadedStore:
    """An Oxigraph store holding the parsed files, and the typed literals as the files wrote them.

    Oxigraph keeps typed literals by value: ``"12.0"^^xsd:decimal`` comes back as ``"12"``, and
    ``"5"^^xsd:nonNegativeInteger`` as an ``xsd:integer``. SHACL's ``sh:datatype`` and every report
    must see the literal as written, so the loader keeps each typed (non-string) literal it read,
    keyed by subject and predicate: a few per cent of the triples. From a large N-Triples file it keeps
    less (:meth:`_add_ntriples`): where every literal of a predicate that the store holds with one datatype
    was written with another, and the same lexical form, one rule per predicate says so (``rules``);
    only the others are kept one by one.
    """

    store: ox.Store = field(default_factory=ox.Store)
    written: dict[tuple[object, object], list[ox.Literal]] = field(default_factory=dict)
    triples: int = 0
    #: (predicate, datatype in the store) → the datatype written, for the literals ``written`` does not hold.
    rules: dict[tuple[object, object], object] = field(default_factory=dict)

    def add_file(self, path: PathLike) -> None:
        """Parse one file into the store (raises :class:`TurtleError`; the quads read before the error stay)."""
        path = Path(path)
        if not (path.suffix.lower() == ".nt" and self._add_ntriples(path)):
            self.store.bulk_extend(_quads(path, self.written))
        self.triples = len(self.store)

    def _add_ntriples(self, path: Path) -> bool:
        """An N-Triples file into an empty store, loaded by Oxigraph natively instead of one Python object per
        triple. Two kinds of line go through the per-triple parser as well: lines with a typed literal
        (``"…"^^<…>``), so that those literals are kept as written, and lines with a blank node, whose
        labels must resolve in one parse. The file is read once, in chunks (:class:`_Split`), never held whole
        in memory. False (and nothing loaded) when the careful path must run: a store already holding data,
        a byte-order mark, a syntax error anywhere (the careful path then names the file's line)."""
        if len(self.store) or _has_bom(path):
            return False
        written: dict = {}
        try:
            with open(path, "rb") as fh:
                split = _Split(fh)
                # load, not bulk_load: in memory it is the faster (9.5 s against 16.5 s for 4.8 M triples) and
                # the smaller (1.6 GB against 1.8 GB at the peak), and it is one transaction.
                self.store.load(input=io.BufferedReader(split, 1 << 20), format=ox.RdfFormat.N_TRIPLES)
            rules, apart = _typed_rules(split.typed)
            split.typed.clear()
            for _ in _quads(path, written, b"".join(apart)):
                pass  # only to record these literals as written: the native load stored them
            del apart
            # Streamed into the store (not a list of every quad first: 2 M blank-node lines peaked at 1.9 GB);
            # a line that fails empties the store below, as any failure here does.
            blank, split.blank = b"".join(split.blank), []
            self.store.bulk_extend(_quads(path, written, blank))
        except (TurtleError, SyntaxError, OSError, ValueError, MemoryError):
            self.store.clear()
            return False
        self.rules.update(rules)
        for key, literals in written.items():
            self.written.setdefault(key, []).extend(literals)
        return True

    def to_graph(self) -> Graph:
        """The default graph as an rdflib graph, typed literals as written (for HermiT and pyshacl)."""
        graph = bind_prefixes(Graph())
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            value = self.as_written(quad.subject, quad.predicate, quad.object)
            graph.add((ox_to_rdflib(quad.subject), ox_to_rdflib(quad.predicate), ox_to_rdflib(value)))
        return graph

    def as_written(self, subject: object, predicate: object, value: object) -> object:
        """``value`` (an object of ``subject predicate``, read back from the store) as the file wrote it."""
        if not isinstance(value, ox.Literal) or value.datatype.value in _KEPT_AS_WRITTEN:
            return value  # strings and language strings are never changed, and never in ``written``
        candidates = self.written.get((subject, predicate))
        if candidates:
            if value in candidates:
                return value
            wanted = ox_to_rdflib(value)
            for c in candidates:
                lit = ox_to_rdflib(c)
                if lit == wanted or (lit.value is not None and lit.value == wanted.value):
                    return c
        datatype = self.rules.get((predicate, value.datatype))
        return value if datatype is None else ox.Literal(value.value, datatype=datatype)


def _format(path: Path) -> ox.RdfFormat:
    return {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".owl": ox.RdfFormat.RDF_XML,
            ".rdf": ox.RdfFormat.RDF_XML}.get(path.suffix.lower(), ox.RdfFormat.TURTLE)


def _quads(path: Path, written: dict, data: bytes | None = None, rename: bool = True) -> Iterator[ox.Quad]:
    """Every quad of ``path`` (or of the N-Triples ``data``), recording typed literals as written.

    A leading UTF-8 byte-order mark is skipped (Oxigraph would read it as part of the first term).
    """
    with ExitStack() as stack:
        try:
            if data is not None:
                source = {"input": data, "format": ox.RdfFormat.N_TRIPLES}
            else:
                source = {"format": _format(path), "base_iri": path.resolve().as_uri()}
                if _has_bom(path):
                    handle = stack.enter_context(open(path, "rb"))
                    handle.seek(len(_BOM))
                    source["input"] = handle
                else:
                    source["path"] = str(path)
            # One file's _:b is not another's; an rdflib graph's blank nodes keep their ids, so that a
            # report names the nodes of the caller's graph.
            for quad in ox.parse(**source, rename_blank_nodes=rename):
                o = quad.object
                if type(o) is ox.Literal and o.datatype.value not in _KEPT_AS_WRITTEN:
                    written.setdefault((quad.subject, quad.predicate), []).append(o)
                yield quad
        except SyntaxError as exc:
            message = str(exc.msg).split(": ", 1)[-1] if exc.msg else str(exc)
            if message.startswith("Invalid UTF-8"):
                message = f"not UTF-8 (Turtle files are UTF-8): {message.split(':', 1)[-1].strip()}"
            raise TurtleError(path, exc.lineno, _one_line(message)) from None
        except MemoryError:
            raise TurtleError(path, None if data is not None else _first_long_line(path),
                              f"a term (literal or IRI) longer than {TERM_LIMIT // 2**20} MiB, "
                              "more than the parser accepts") from None
        except UnicodeDecodeError as exc:
            raise TurtleError(path, None, f"not UTF-8 (Turtle files are UTF-8): {_one_line(exc)}") from None
        except (OSError, ValueError) as exc:
            raise TurtleError(path, None, f"cannot read: {_one_line(exc)}") from None


def _line_spans(data: bytes, pattern: re.Pattern[bytes]) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``data`` where ``pattern`` occurs, newline included, once per line."""
    end = 0
    for m in pattern.finditer(data):
        if m.start() < end:
            continue  # a second match on the line already taken
        start = data.rfind(b"\n", 0, m.start()) + 1
        end = data.find(b"\n", m.end())
        end = len(data) if end < 0 else end + 1
        yield start, end


class _Split(io.RawIOBase):
    """An N-Triples file as a stream for the native loader, read in chunks of whole lines: lines with a blank
    node are held back (into ``blank``), lines with a typed literal pass and are copied (into ``typed``)."""

    CHUNK = 8 << 20

    def __init__(self, handle: io.BufferedReader) -> None:
        self.handle, self.buffer, self.pos = handle, b"", 0
        self.blank: list[bytes] = []
        self.typed: list[bytes] = []

    def readable(self) -> bool:
        return True

    def _refill(self) -> bool:
        chunk = self.handle.read(self.CHUNK)
        if not chunk:
            return False
        if not chunk.endswith(b"\n"):
            chunk += self.handle.readline()  # whole lines only, so that a line is judged once
        kept, last = [], 0
        for a, b in _line_spans(chunk, _BLANK):
            kept.append(chunk[last:a])
            self.blank.append(chunk[a:b])
            last = b
        kept.append(chunk[last:])
        self.buffer = chunk if last == 0 else b"".join(kept)
        self.typed.extend(self.buffer[a:b] for a, b in _line_spans(self.buffer, _TYPED))
        self.pos = 0
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while self.pos >= len(self.buffer):
            if not self._refill():
                return 0
        k = min(len(buffer), len(self.buffer) - self.pos)
        buffer[:k] = self.buffer[self.pos:self.pos + k]
        self.pos += k
        return k


#: An N-Triples line of an IRI subject, a predicate and a typed literal: predicate, lexical form (escaped) and
#: datatype. A line this does not read (a comment, a literal in another form) is recorded triple by triple.
_TYPED_LINE = re.compile(rb'[ \t]*<[^>]*>[ \t]+<([^>]*)>[ \t]+"((?:[^"\\\n]|\\.)*)"\^\^<([^>]*)>[ \t]*\.[ \t]*\r?\n?')


#: Typed literals Oxigraph keeps exactly as written, told from the N-Triples bytes (lexical form, datatype IRI)
#: alone: a datatype outside XSD and RDF (Oxigraph knows no value space for it), one of :data:`_KEPT_AS_WRITTEN`,
#: a canonical xsd:integer that fits in 64 bits, and xsd:boolean "true" or "false". A data dump of a million
#: distinct numbers then needs no scratch store: `check` on one took 35 s and 2.0 GB with it, 9.8 s and 0.6 GB
#: without.
_XSD, _RDF = str(XSD).encode(), str(RDF).encode()
_CANONICAL_INTEGER = re.compile(rb"0|-?[1-9][0-9]{0,17}")


def _kept_as_written(lexical: bytes, datatype: bytes) -> bool:
    """Whether Oxigraph keeps ``"lexical"^^<datatype>`` (N-Triples bytes) as written; False when unsure."""
    if b"\\" in datatype:
        return False  # an escaped IRI: the parser reads it
    if not datatype.startswith((_XSD, _RDF)):
        return True
    if datatype.decode() in _KEPT_AS_WRITTEN:
        return True
    if datatype == _XSD + b"integer":
        return _CANONICAL_INTEGER.fullmatch(lexical) is not None
    return datatype == _XSD + b"boolean" and lexical in (b"true", b"false")


#: Distinct typed literals judged per scratch store: what one judgement holds in memory at a time.
_SCRATCH_CHUNK = 1 << 16
#: One scratch line: subject ``urn:x:I`` for the I-th literal of a chunk.
_SCRATCH_LINE = b'<urn:x:%d> <urn:x:p> "%s"^^<%s> .\n'


def _iri(raw: bytes) -> ox.NamedNode:
    """An N-Triples IRI (between ``<`` and ``>``), escapes (``\\u0069``) read as the parser reads them."""
    if b"\\" not in raw:
        return ox.NamedNode(raw.decode())
    [triple] = ox.parse(b"<urn:x:s> <urn:x:p> <%s> .\n" % raw, format=ox.RdfFormat.N_TRIPLES)
    return triple.object


def _changed_by_oxigraph(distinct: list[tuple[bytes, bytes]]) -> dict[tuple[bytes, bytes], tuple]:
    """The (lexical, datatype) pairs, as N-Triples bytes, that Oxigraph does not keep as its parser reads them,
    each with (the datatype kept, whether the lexical form is kept, the datatype written). Each pair goes once
    into a scratch store, a chunk of :data:`_SCRATCH_CHUNK` at a time; only the changed ones are kept."""
    changed = {}
    for start in range(0, len(distinct), _SCRATCH_CHUNK):
        part = distinct[start:start + _SCRATCH_CHUNK]
        scratch = b"".join(_SCRATCH_LINE % (i, *pair) for i, pair in enumerate(part))
        escaped = {i for i, (lexical, datatype) in enumerate(part) if b"\\" in lexical or b"\\" in datatype}
        read = {int(t.subject.value[6:]): t.object for t in ox.parse(
            b"".join(_SCRATCH_LINE % (i, *part[i]) for i in sorted(escaped)),
            format=ox.RdfFormat.N_TRIPLES)}
        store = ox.Store()
        store.load(scratch, format=ox.RdfFormat.N_TRIPLES)
        for quad in store:
            i, kept = int(quad.subject.value[6:]), quad.object  # urn:x:I: the I-th pair of the chunk
            lexical, datatype = part[i]
            value, written = (read[i].value, read[i].datatype.value) if i in read \
                else (lexical.decode(), datatype.decode())
            if kept.value != value or kept.datatype.value != written:
                changed[part[i]] = (kept.datatype, kept.value == value, ox.NamedNode(written))
    return changed


def _typed_rules(lines: list[bytes]) -> tuple[dict[tuple[object, object], object], list[bytes]]:
    """The typed literals of N-Triples ``lines``, as rules and lines: rules (predicate, datatype in the store) →
    the datatype written, for the groups whose every literal Oxigraph keeps with its lexical form but
    another datatype (``"5"^^xsd:nonNegativeInteger`` read back as an ``xsd:integer``); and the lines whose
    literals must be recorded one by one (the others that Oxigraph changes, and the lines not read here).

    A literal :func:`_kept_as_written` says Oxigraph keeps is only counted in its predicate's group. Each other
    distinct literal goes once into a scratch store (:func:`_changed_by_oxigraph`): at x1000 the 270,000
    typed literals are 39,193 distinct ones, and one rule for the span offsets replaces a record of each
    (155 MB less resident memory once loaded)."""
    groups: dict[tuple[bytes, object], set[object]] = {}  # (predicate, datatype kept) → the datatypes written
    named: dict[bytes, ox.NamedNode] = {}  # each datatype IRI once
    iris: dict[bytes, bytes] = {}  # each predicate and datatype once, not once per line (2 M lines: 240 MB)
    seen, unread = set(), False

    def datatype_node(raw: bytes) -> ox.NamedNode:
        if raw not in named:
            named[raw] = _iri(raw)
        return named[raw]

    for line in lines:
        m = _TYPED_LINE.fullmatch(line)
        if not m or b"\\" in m.group(1):
            unread = True
        elif _kept_as_written(m.group(2), m.group(3)):
            datatype = datatype_node(m.group(3))
            groups.setdefault((m.group(1), datatype), set()).add(datatype)
        else:
            predicate, lexical, datatype = m.groups()
            seen.add((iris.setdefault(predicate, predicate), lexical, iris.setdefault(datatype, datatype)))
    changed = _changed_by_oxigraph(list(dict.fromkeys((lexical, datatype) for _, lexical, datatype in seen)))
    for predicate, lexical, datatype in seen:
        if (lexical, datatype) in changed:
            kept, _, written = changed[(lexical, datatype)]
        else:
            kept = written = datatype_node(datatype)
        groups.setdefault((predicate, kept), set()).add(written)
    ruled = {key for key, datatypes in groups.items() if len(datatypes) == 1 and key[1] not in datatypes}
    rules = {(ox.NamedNode(predicate.decode()), stored): next(iter(groups[(predicate, stored)]))
             for predicate, stored in ruled}

    def one_by_one(predicate: bytes, lexical: bytes, datatype: bytes) -> bool:
        """Kept one by one: a literal Oxigraph changes, unless a rule covers it and its lexical form stays."""
        if (lexical, datatype) not in changed:
            return False
        kept, same_lexical, _ = changed[(lexical, datatype)]
        return not same_lexical or (predicate, kept) not in ruled

    apart_keys = {key for key in seen if one_by_one(*key)}
    if not apart_keys and not unread:
        return rules, []
    apart = []  # read again rather than keeping every line's match from the first pass (270,000 at x1000)
    for line in lines:
        m = _TYPED_LINE.fullmatch(line)
        if not m or b"\\" in m.group(1) or m.groups() in apart_keys:
            apart.append(line)
    return rules, apart


def _has_bom(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_BOM)) == _BOM
    except OSError:
        return False  # ox.parse reports it, with the reason


def _first_long_line(path: Path) -> int | None:
    """The first line longer than the parser's term limit (where a too-long term most likely is)."""
    try:
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if len(line) > TERM_LIMIT:
                    return number
    except OSError:
        pass
    return None


def load_store(paths: Files) -> LoadedStore:
    """Parse ``paths`` (Turtle; ``.nt`` as N-Triples) into a fresh in-memory Oxigraph store.

    ``paths`` is one path or a list of paths (``str`` or ``Path``). Raises :class:`TurtleError`
    naming the file and line of the first syntax error; nothing of a failed load is kept.
    """
    loaded = LoadedStore()
    for path in as_paths(paths) or []:
        loaded.add_file(path)
    return loaded


def store_from_graph(graph: Graph) -> LoadedStore:
    """An rdflib graph in a fresh Oxigraph store, its typed literals kept as written (see :class:`LoadedStore`).

    Triples with a literal subject (generalised RDF, which RDFS inference can add) are left out.
    """
    from rdflib import Literal
    from rdflib.plugins.serializers.nt import _nt_row

    loaded = LoadedStore()
    if any(isinstance(s, Literal) for s in graph.subjects(unique=True)):
        # RDFS inference (pyshacl's) adds generalised triples with literal subjects, which RDF forbids.
        data = "".join(_nt_row(t) for t in graph if not isinstance(t[0], Literal)).encode("utf-8")
    else:
        try:
            data = graph.serialize(format="nt", encoding="utf-8")
        except Exception as exc:  # rdflib raises a bare Exception for an IRI it cannot write
            raise TurtleError(Path("<graph>"), None, _one_line(exc)) from None
    loaded.store.bulk_extend(_quads(Path("<graph>"), loaded.written, data, rename=False))
    loaded.triples = len(loaded.store)
    return loaded
