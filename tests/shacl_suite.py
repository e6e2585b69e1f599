"""The W3C SHACL test suite (``tests/data/w3c-shacl``): read its manifests, run a test, score the report.

A test is scored the way the suite's README says engines are scored: ``sh:conforms`` and the set of
results, each as (focus node, path, value, source shape, constraint component, severity). Blank
nodes (shapes, paths, data nodes) are compared by structure: the triples below them, recursively.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
from rdflib import BNode, Graph, Literal, Namespace, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

SUITE = Path(__file__).parent / "data" / "w3c-shacl" / "tests"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class SuiteTest:
    """One ``sht:Validate`` entry: its files and the expected report (or an expected failure)."""

    id: str  # e.g. core/property/datatype-001
    label: str
    approved: bool
    data: Path
    shapes: Path
    manifest: Path  # the file holding the entry and its expected report
    expected: Node  # the mf:result node in the manifest graph (sht:Failure when the engine must refuse)

    @property
    def expects_failure(self) -> bool:
        return self.expected == SHT.Failure


@cache
def _parse_once(path: str) -> Graph:
    """The file as written: rdflib would otherwise rewrite ``"1"^^xsd:boolean`` as ``true`` while parsing,
    and the suite tests exactly such literals (uniqueLang-002, or-datatypes-001)."""
    old = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        return Graph().parse(path, format="turtle", publicID=Path(path).as_uri())
    finally:
        rdflib.NORMALIZE_LITERALS = old


def _parse(path: Path) -> Graph:
    """Each file parsed once, so the blank nodes of an entry and of its expected report stay the same."""
    return _parse_once(str(path.resolve()))


def _manifests(path: Path) -> Iterator[Path]:
    graph = _parse(path)
    yield path
    for include in sorted(graph.objects(None, MF.include)):
        yield from _manifests(Path(include.removeprefix("file://")))


def tests() -> list[SuiteTest]:
    """Every Validate test of the suite (core and sparql), in manifest order."""
    out = []
    for manifest in _manifests(SUITE / "manifest.ttl"):
        graph = _parse(manifest)
        for head in graph.objects(None, MF.entries):
            for entry in Collection(graph, head):
                if (entry, RDF.type, SHT.Validate) in graph:
                    out.append(_entry(graph, entry, manifest))
    return out


def _entry(graph: Graph, entry: Node, manifest: Path) -> SuiteTest:
    action = graph.value(entry, MF.action)

    def file(node: Node | None) -> Path:
        return Path(str(node).removeprefix("file://"))

    data, shapes = file(graph.value(action, SHT.dataGraph)), file(graph.value(action, SHT.shapesGraph))
    test_id = str(entry).removeprefix(SUITE.resolve().as_uri() + "/")
    return SuiteTest(test_id, str(graph.value(entry, RDFS.label) or ""),
                     graph.value(entry, MF.status) == SHT.approved, data, shapes, manifest,
                     graph.value(entry, MF.result))


def graphs(test: SuiteTest) -> tuple[Graph, Graph, Graph]:
    """The data graph, the shapes graph and the manifest graph (one graph when they are one file)."""
    return _parse(test.data), _parse(test.shapes), _parse(test.manifest)


# --- comparison ----------------------------------------------------------------------------

def signature(node: Node | None, where: tuple[Graph, ...], depth: int = 6) -> object:
    """``node`` itself, or for a blank node the set of its (predicate, signature of object) pairs."""
    if node is None or not isinstance(node, BNode):
        return _plain(node)
    if depth == 0:
        return "…"
    for graph in where:
        pairs = list(graph.predicate_objects(node))
        if pairs:
            return frozenset((p, signature(o, where, depth - 1)) for p, o in pairs)
    return "[]"


def path_signature(node: Node | None, where: tuple[Graph, ...]) -> object:
    """A property path by what it means (a list is a sequence first, as SHACL reads it), not by its triples."""
    if node is None or isinstance(node, URIRef):
        return node
    for graph in where:
        if (node, RDF.first, None) in graph:
            return ("sequence", *(path_signature(p, where) for p in Collection(graph, node)))
        for kind in ("inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
            inner = graph.value(node, SH[kind])
            if inner is not None:
                return (kind, path_signature(inner, where))
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return ("alternative", *(path_signature(p, where) for p in Collection(graph, alternatives)))
    return signature(node, where)


def _plain(node: Node | None) -> object:
    # Literals compare as terms (lexical form, datatype, language), not by value.
    if isinstance(node, Literal):
        return ("literal", str(node), node.datatype, node.language)
    return node


ResultKey = tuple[object, object, object, object, Node, Node]


def expected_report(test: SuiteTest) -> tuple[bool, set[ResultKey]]:
    data, shapes, manifest = graphs(test)
    where = (manifest, shapes, data)
    conforms = manifest.value(test.expected, SH.conforms)
    keys = set()
    for r in manifest.objects(test.expected, SH.result):
        keys.add((signature(manifest.value(r, SH.focusNode), where),
                  path_signature(manifest.value(r, SH.resultPath), where),
                  signature(manifest.value(r, SH.value), where),
                  signature(manifest.value(r, SH.sourceShape), where),
                  manifest.value(r, SH.sourceConstraintComponent),
                  manifest.value(r, SH.resultSeverity)))
    return bool(conforms.toPython()) if isinstance(conforms, Literal) else True, keys


def report_keys(report, test: SuiteTest) -> tuple[bool, set[ResultKey]]:
    """(conforms, result keys) of an :class:`exo_onto.shacl.validate.ValidationReport`.

    A SHACL report conforms when it has no result at all, whatever the severity.
    """
    data, shapes, _ = graphs(test)
    keys = set()
    for r in report.results:
        t = r.terms
        keys.add((signature(t.focus, (data, shapes)), path_signature(t.path, (shapes, data)),
                  signature(t.value, (data, shapes)), signature(t.shape, (shapes, data)), t.component, t.severity))
    return not report.results, keys
