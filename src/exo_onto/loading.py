"""Parse the project's Turtle, with errors that name file and line.

Two targets: an rdflib graph (:func:`load_graph`, what the small steps and the tests walk) and an
Oxigraph store (:func:`load_store`, the path that scales to millions of triples).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .namespaces import bind_prefixes
from .paths import ontology_files


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


def parse_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``graph`` (a new one by default) or raise :class:`TurtleError`."""
    graph = graph if graph is not None else bind_prefixes(Graph())
    try:
        data = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TurtleError(path, None, f"cannot read: {exc}") from exc
    scratch = Graph()
    try:
        scratch.parse(data=data, format="turtle", publicID=Path(path).resolve().as_uri())
    except Exception as exc:  # rdflib raises several unrelated exception types
        line, reason = _describe(exc)
        raise TurtleError(path, line, reason) from exc
    for triple in scratch:
        graph.add(triple)
    return graph


def load_graph(files: Iterable[Path] | None = None) -> Graph:
    """Load the project's graph (every ``ontology/*.ttl`` by default) with every prefix bound."""
    graph = bind_prefixes(Graph())
    for path in files if files is not None else ontology_files():
        parse_turtle(Path(path), graph)
    return graph


#: Literal datatypes Oxigraph stores as written; every other typed literal may come back changed.
_KEPT_AS_WRITTEN = {"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


@dataclass
class LoadedStore:
    """An Oxigraph store holding the parsed files, and the typed literals as the files wrote them.

    Oxigraph keeps typed literals by value: ``"12.0"^^xsd:decimal`` comes back as ``"12"``, and
    ``"5"^^xsd:nonNegativeInteger`` as an ``xsd:integer``. SHACL's ``sh:datatype`` and every report
    must see the literal as written, so the loader keeps each typed (non-string) literal it read,
    keyed by subject and predicate: a few per cent of the triples.
    """

    store: ox.Store = field(default_factory=ox.Store)
    written: dict[tuple[object, object], list[ox.Literal]] = field(default_factory=dict)
    triples: int = 0

    def add_file(self, path: Path) -> None:
        """Parse one file into the store (raises :class:`TurtleError`; the quads read before the error stay)."""
        self.store.bulk_extend(_quads(Path(path), self.written))
        self.triples = len(self.store)

    def to_graph(self) -> Graph:
        """The default graph as an rdflib graph, typed literals as written (for HermiT and pyshacl)."""
        from .query_results import ox_to_rdflib

        graph = bind_prefixes(Graph())
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            value = self.as_written(quad.subject, quad.predicate, quad.object)
            graph.add((ox_to_rdflib(quad.subject), ox_to_rdflib(quad.predicate), ox_to_rdflib(value)))
        return graph

    def as_written(self, subject: object, predicate: object, value: object) -> object:
        """``value`` (an object of ``subject predicate``, read back from the store) as the file wrote it."""
        if not isinstance(value, ox.Literal):
            return value
        candidates = self.written.get((subject, predicate))
        if not candidates:
            return value
        if len(candidates) == 1:
            return candidates[0]
        from .query_results import ox_to_rdflib  # the store canonicalised the lexical form: compare values

        wanted = ox_to_rdflib(value)
        for c in candidates:
            lit = ox_to_rdflib(c)
            if lit == wanted or (lit.value is not None and lit.value == wanted.value):
                return c
        return value


def _format(path: Path) -> ox.RdfFormat:
    return {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".owl": ox.RdfFormat.RDF_XML,
            ".rdf": ox.RdfFormat.RDF_XML}.get(path.suffix.lower(), ox.RdfFormat.TURTLE)


def _quads(path: Path, written: dict, data: bytes | None = None) -> Iterator[ox.Quad]:
    source = {"input": data, "format": ox.RdfFormat.N_TRIPLES} if data is not None else \
        {"path": str(path), "format": _format(path), "base_iri": path.resolve().as_uri()}
    try:
        for quad in ox.parse(**source):
            o = quad.object
            if type(o) is ox.Literal and o.datatype.value not in _KEPT_AS_WRITTEN:
                written.setdefault((quad.subject, quad.predicate), []).append(o)
            yield quad
    except SyntaxError as exc:
        message = str(exc.msg).split(": ", 1)[-1] if exc.msg else str(exc)
        raise TurtleError(path, exc.lineno, message) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TurtleError(path, None, f"cannot read: {exc}") from exc


def load_store(paths: Iterable[Path]) -> LoadedStore:
    """Parse ``paths`` (Turtle; ``.nt`` as N-Triples) into a fresh in-memory Oxigraph store.

    Raises :class:`TurtleError` naming the file and line of the first syntax error; nothing of a
    failed load is kept.
    """
    loaded = LoadedStore()
    for path in paths:
        loaded.add_file(Path(path))
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
        data = graph.serialize(format="nt", encoding="utf-8")
    loaded.store.bulk_extend(_quads(Path("<graph>"), loaded.written, data))
    loaded.triples = len(loaded.store)
    return loaded
