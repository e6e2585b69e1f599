"""SHACL validation of the knowledge graph against the shapes in ``shapes/``.

Shapes catch what a careless edit produces (a dropped span, a made-up direction, a mistyped ID)
and say it in a curator's words; the reasoner cannot, because OWL assumes an open world.

The data is validated together with the TBox and with pyshacl's RDFS inference, so members of
subclasses count for ``sh:class`` and ``sh:targetClass``. The TBox is merged into the data graph
rather than passed as pyshacl's ``ont_graph``, which copies only axioms (not the labels and
definitions the term shapes check). Two things are prepared first:

* ``rdfs:domain`` and ``rdfs:range`` axioms are left out. Under RDFS inference a range types every
  value as the expected class, which would turn each ``sh:class`` check into a tautology (a finding
  pointing at a misspelt context would "be" a context).
* The named conjuncts of defined classes become told superclasses (``C ≡ A ⊓ ∃R.B`` entails
  ``C ⊑ A``), which RDFS cannot read from ``owl:intersectionOf``: synovial MSCs then count as MSCs.

Notebook use::

    from exo_onto.shacl.validate import validate_files
    report = validate_files()          # the project's graph
    print(report.to_text())            # or report.violations, report.to_dict()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from exo_onto.io.load import Files, LoadedStore, as_paths, load_store, parsed, store_from_graph
from exo_onto.paths import kg_dir, shapes_dir, tbox_files
from exo_onto.shacl.compile import TARGETS, Compiled, IllFormedConstraint, compile_shapes
from exo_onto.shacl.engine import add_rdfs_closure, remove_rdfs_closure, run_compiled
from exo_onto.shacl.prebinding import mentions
from exo_onto.shacl.report import ValidationReport, ValidationResult, collect, from_results_graph
from exo_onto.terms.namespaces import SH, bind_prefixes

__all__ = ["ValidationError", "ValidationReport", "ValidationResult", "load_shapes", "validate_files",
           "validate_graph", "validate_store"]


class ValidationError(Exception):
    """Validation could not run (a broken shapes file, an error inside pyshacl)."""


def _told_superclasses(graph: Graph) -> Iterator[tuple[Node, Node, Node]]:
    """``C rdfs:subClassOf A`` for each named class ``A`` that a defined class ``C`` is equivalent to or intersects."""
    for a, b in graph.subject_objects(OWL.equivalentClass):
        for c, x in ((a, b), (b, a)):
            if not isinstance(c, URIRef):
                continue
            if isinstance(x, URIRef):
                yield c, RDFS.subClassOf, x
                continue
            members = graph.value(x, OWL.intersectionOf)
            if members is not None:
                for m in Collection(graph, members):
                    if isinstance(m, URIRef):
                        yield c, RDFS.subClassOf, m


def _without_domains_and_ranges(graph: Graph) -> Graph:
    out = bind_prefixes(Graph())
    for triple in graph:
        if triple[1] not in (RDFS.domain, RDFS.range):
            out.add(triple)
    return out


def load_shapes(directory: Path | None = None) -> Graph:
    """Every ``*.ttl`` in ``shapes/`` as one shapes graph (raises :class:`TurtleError` on a broken file)."""
    graph = bind_prefixes(Graph())
    for path in _shape_files(directory):
        graph += parsed(path)  # read, never changed: the loader keeps each file parsed once
    return graph


def _shape_files(directory: Path | None = None) -> list[Path]:
    files = sorted(Path(directory or shapes_dir()).glob("*.ttl"))
    if not files:
        raise ValidationError(f"no shapes (*.ttl) in {directory or shapes_dir()}")
    return files


@lru_cache(maxsize=4)
def _project_compiled(versions: tuple[tuple[str, int], ...], entailment: str) -> tuple[Graph, Compiled]:
    shapes = load_shapes()
    return shapes, _compile(shapes, entailment)


def _project_shapes(entailment: str) -> tuple[Graph, Compiled]:
    """The project's shapes and their checks, once per version of the shape files: merging the files and
    keying the compiled checks by content took 25 ms of each validation (a test validates hundreds).
    The graph is this module's own, read and never changed; :func:`load_shapes` gives callers a copy."""
    versions = tuple((str(p.resolve()), p.stat().st_mtime_ns) for p in _shape_files())
    return _project_compiled(versions, entailment)


#: What the data is read with: ``rdfs`` (the project's choice, see the module docstring) or ``none`` (plain SHACL).
ENTAILMENTS = ("rdfs", "none")


def _check_entailment(entailment: str) -> None:
    if entailment not in ENTAILMENTS:
        raise ValueError(f"entailment must be one of {', '.join(ENTAILMENTS)}, not {entailment!r}")


def _refuse_unsupported(shapes: Graph) -> None:
    """The one-line refusal both engines give for what exo-onto does not run (``$shapesGraph``)."""
    for constraint, select in shapes.subject_objects(SH.select):
        if mentions(str(select), "shapesGraph"):
            raise ValidationError(f"SPARQL constraint {constraint}: $shapesGraph is not supported "
                                  "(the shapes graph is not part of the data)")


def _declared_prefixes_inline(shapes: Graph) -> Graph:
    """``shapes`` with the prefixes of ontologies that ``sh:prefixes`` values import copied onto them.

    SHACL lets a prefix declaration come from an ``owl:imports``-ed ontology; pyshacl reads only the
    ``sh:declare`` of the ``sh:prefixes`` value itself.
    """
    holders = set(shapes.objects(None, SH.prefixes))
    if not any((h, OWL.imports, None) in shapes for h in holders):
        return shapes
    out = Graph()
    out += shapes
    for holder in holders:
        seen, todo = {holder}, list(shapes.objects(holder, OWL.imports))
        while todo:
            ontology = todo.pop()
            if ontology in seen:
                continue
            seen.add(ontology)
            for decl in shapes.objects(ontology, SH.declare):
                out.add((holder, SH.declare, decl))
            todo += list(shapes.objects(ontology, OWL.imports))
    return out


def _pyshacl(data: Graph, shapes: Graph, entailment: str = "rdfs") -> ValidationReport:
    """pyshacl over ``data`` (TBox included): with RDFS inference prepared as the module docstring says,
    or with none (plain SHACL)."""
    _refuse_unsupported(shapes)
    shapes = _declared_prefixes_inline(shapes)
    if entailment == "rdfs":
        work = _without_domains_and_ranges(data)
        for triple in list(_told_superclasses(work)):
            work.add(triple)
    else:
        work = data
    try:
        _, results_graph, _ = pyshacl_validate(
            work, shacl_graph=shapes, inference=entailment, advanced=True, allow_warnings=True,
            allow_infos=True, inplace=work is not data,
        )
    except Exception as exc:  # pyshacl raises its own error types for broken shapes
        raise ValidationError(f"SHACL validation could not run: {' '.join(str(exc).split())}") from exc
    if not isinstance(results_graph, Graph):  # pyshacl returns a failure object for some broken shapes
        raise ValidationError(f"SHACL validation could not run: {' '.join(str(results_graph).split())}")
    return from_results_graph(results_graph, shapes, work)


def _only_targets_of(shapes: Graph, keep: list[Node]) -> Graph:
    """``shapes`` with the targets of every shape but ``keep`` removed: pyshacl then validates only those.

    An implicit class target goes with the shape's ``rdf:type rdfs:Class``.
    """
    out = Graph()
    kept = set(keep)
    for s, p, o in shapes:
        if s not in kept and (p in TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
            continue
        out.add((s, p, o))
    return out


_COMPILED: dict[tuple[frozenset, str], Compiled] = {}


def _compile(shapes: Graph, entailment: str) -> Compiled:
    """The shapes compiled once per content: a notebook (or a test) validating many graphs with the same
    shapes pays for the translation once. Keyed by the triples themselves, so an edited graph compiles anew."""
    key = (frozenset(shapes), entailment)
    if key not in _COMPILED:
        _refuse_unsupported(shapes)
        if len(_COMPILED) >= 4:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = compile_shapes(shapes, entailment)
    return _COMPILED[key]


def validate_store(loaded: LoadedStore, shapes: Graph | None = None, entailment: str = "rdfs",
                   limit: int | None = None,
                   sink: Callable[[ValidationResult], None] | None = None) -> ValidationReport:
    """Validate the data (TBox included) in an Oxigraph store: the path that scales.

    The shapes run as SPARQL on the store (:mod:`exo_onto.shacl.compile`); a shape the compiler
    does not translate is given to pyshacl. With ``entailment="rdfs"`` the RDFS closure goes into the
    store's ``urn:x-exo-onto:inferred`` graph while the shapes run, and out again after: the store is left
    as it was found. Results stream into the report: ``limit`` keeps only the first of each shape and
    constraint in memory (all are counted), ``sink`` receives every one. Raises
    :class:`ValidationError` when the shapes cannot run.
    """
    _check_entailment(entailment)
    try:
        if shapes is None:
            shapes, compiled = _project_shapes(entailment)
        else:
            compiled = _compile(shapes, entailment)  # refuses what exo-onto does not run ($shapesGraph)
        if entailment == "rdfs":
            add_rdfs_closure(loaded.store)
        try:
            results = run_compiled(loaded, compiled, shapes, entailment)
            rest: Iterable[ValidationResult] = ()
            if compiled.left_to_pyshacl:
                rest = _pyshacl(loaded.to_graph(), _only_targets_of(shapes, compiled.left_to_pyshacl),
                                entailment).results
            return collect(chain(results, rest), limit, sink)
        finally:
            if entailment == "rdfs":
                remove_rdfs_closure(loaded)
    except IllFormedConstraint as exc:
        raise ValidationError(f"SHACL validation could not run: {exc}") from None
    except (SyntaxError, OSError, ValueError) as exc:  # a shape's SPARQL that Oxigraph rejects
        raise ValidationError(f"SHACL validation could not run: {' '.join(str(exc).split())}") from exc


def validate_graph(data: Graph, ontology: Graph | None = None, shapes: Graph | None = None,
                   fast: bool = True, entailment: str = "rdfs") -> ValidationReport:
    """Validate ``data`` together with ``ontology`` (the TBox, unless ``data`` holds it) against the shapes.

    ``fast`` (the default) runs the shapes as SPARQL on Oxigraph (:func:`validate_store`);
    ``fast=False`` gives every shape to pyshacl, the reference the tests compare against.
    ``entailment="none"`` validates as plain SHACL (no RDFS inference), as the W3C tests expect.
    Neither graph is changed; raises :class:`ValidationError` when the shapes cannot run.
    """
    _check_entailment(entailment)
    merged = data + ontology if ontology is not None else data
    if not fast:
        return _pyshacl(merged, shapes if shapes is not None else load_shapes(), entailment)
    return validate_store(store_from_graph(merged), shapes, entailment)


def validate_files(files: Files | None = None, shapes: Graph | None = None, fast: bool = True,
                   limit: int | None = None,
                   sink: Callable[[ValidationResult], None] | None = None) -> ValidationReport:
    """Validate Turtle files (the knowledge graph ``ontology/kg/*.ttl`` by default) with the ontology (the TBox,
    its import modules and the bridge: :func:`exo_onto.paths.tbox_files`).

    Both engines read the files through the one loader (Oxigraph), literals as the files wrote them:
    ``fast`` validates that store (:func:`validate_store`, where ``limit`` and ``sink`` mean what they
    say there), ``fast=False`` hands it to pyshacl as an rdflib graph. Raises
    :class:`~exo_onto.io.load.TurtleError` for a file that does not parse.
    """
    given = as_paths(files)
    paths = given if given is not None else sorted(kg_dir().glob("*.ttl"))
    given_set = {p.resolve() for p in paths}
    # The ontology is the TBox with its import modules and bridge; the files given may hold some of it.
    loaded = load_store([*paths, *(f for f in tbox_files() if f.resolve() not in given_set)])
    if fast:
        return validate_store(loaded, shapes, limit=limit, sink=sink)
    return collect(_pyshacl(loaded.to_graph(), shapes if shapes is not None else load_shapes()).results, limit, sink)
