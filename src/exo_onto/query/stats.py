"""Counts that summarise the graph: entities (``check``) and findings (``stats``)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import MSCEXO, PREFIXES


@dataclass(frozen=True)
class GraphCounts:
    triples: int
    classes: int
    object_properties: int
    datatype_properties: int
    annotation_properties: int
    individuals: int


def count_entities(graph: Graph) -> GraphCounts:
    """Count the named entities declared in ``graph`` by their OWL type."""

    def declared(kind: URIRef) -> int:
        return sum(1 for s in set(graph.subjects(RDF.type, kind)) if isinstance(s, URIRef))

    return GraphCounts(
        triples=len(graph),
        classes=declared(OWL.Class),
        object_properties=declared(OWL.ObjectProperty),
        datatype_properties=declared(OWL.DatatypeProperty),
        annotation_properties=declared(OWL.AnnotationProperty),
        individuals=declared(OWL.NamedIndividual),
    )


def count_entities_in_store(store, triples: int | None = None) -> GraphCounts:
    """:func:`count_entities` for the default graph of an Oxigraph store (one query, any size)."""
    kinds = {"classes": OWL.Class, "object_properties": OWL.ObjectProperty,
             "datatype_properties": OWL.DatatypeProperty, "annotation_properties": OWL.AnnotationProperty,
             "individuals": OWL.NamedIndividual}
    counts = dict.fromkeys(kinds, 0)
    by_type = {str(v): k for k, v in kinds.items()}
    query = ("SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?t { " + " ".join(f"<{v}>" for v in kinds.values())
             + " } ?s a ?t . FILTER (isIRI(?s)) } GROUP BY ?t")
    for row in store.query(query):
        counts[by_type[row["t"].value]] = int(row["n"].value)
    return GraphCounts(triples=len(store) if triples is None else triples, **counts)


_SECTION_COUNTS = """
SELECT ?section ?number (COUNT(DISTINCT ?f) AS ?n) (COUNT(DISTINCT ?sub) AS ?subsections) WHERE {
  ?section a mscexo:ReviewSection ; mscexo:sectionNumber ?number .
  OPTIONAL { ?f a mscexo:Finding ; mscexo:statedInSection ?section . }
  OPTIONAL { ?sub dcterms:isPartOf ?section . }
} GROUP BY ?section ?number
"""

# A finding's MSC source: the cells its EV preparation derives from, directly, through a cargo the
# preparation carries, through a carrier that holds the preparation, or through a defined vesicle class.
_SOURCE_OF_FINDING = """
SELECT DISTINCT ?f ?source WHERE {
  ?f a mscexo:Finding ; biolink:subject ?s .
  { ?s obo:RO_0001000 ?cells . ?cells a ?source . }
  UNION { ?prep obo:BFO_0000051 ?s ; obo:RO_0001000 ?cells . ?cells a ?source . }
  UNION { ?s obo:BFO_0000051 ?prep . ?prep obo:RO_0001000 ?cells . ?cells a ?source . }
  UNION { ?s owl:equivalentClass/owl:intersectionOf/rdf:rest*/rdf:first ?r .
          ?r owl:onProperty obo:RO_0001000 ; owl:someValuesFrom ?source . }
  ?source (rdfs:subClassOf|owl:equivalentClass/owl:intersectionOf/rdf:rest*/rdf:first)* obo:CL_0000034 .
}
"""

_EVIDENCE_COUNTS = """
SELECT ?evidence (COUNT(?f) AS ?n) WHERE { ?f a mscexo:Finding ; biolink:has_evidence ?evidence . }
GROUP BY ?evidence
"""


@dataclass(frozen=True)
class FindingStats:
    total: int
    #: (section number, count) in the review's order, sections with no finding included.
    per_section: list[tuple[str, int]]
    #: sections that only group subsections (a zero there is not a gap)
    heading_only: frozenset[str]
    #: (source label, count), most findings first; "no specific MSC source" last.
    per_source: list[tuple[str, int]]
    #: (evidence label, count)
    per_evidence: list[tuple[str, int]]


def _section_key(number: str) -> tuple:
    named = {"abstract": (-2,), "introduction": (-1,)}
    return named[number] if number in named else tuple(int(x) for x in number.split("."))


def finding_sources(graph: Graph) -> list[tuple[URIRef, URIRef]]:
    """(finding, MSC source cell class) pairs: the source its acting EV preparation derives from."""
    return sorted((row.f, row.source) for row in graph.query(_SOURCE_OF_FINDING, initNs=PREFIXES))


def finding_stats(graph: Graph) -> FindingStats:
    """Findings per review section, per MSC source and per evidence type; a section with none shows 0."""
    findings = set(graph.subjects(RDF.type, MSCEXO.Finding))
    rows = list(graph.query(_SECTION_COUNTS, initNs=PREFIXES))
    per_section = sorted(((str(r.number), int(r.n)) for r in rows), key=lambda x: _section_key(x[0]))
    heading_only = frozenset(str(r.number) for r in rows if int(r.subsections) and not int(r.n))
    by_source: dict[str, set] = {}
    for finding, source in finding_sources(graph):
        by_source.setdefault(label(graph, source), set()).add(finding)
    attributed = set().union(*by_source.values()) if by_source else set()
    per_source = sorted(((k, len(v)) for k, v in by_source.items()), key=lambda x: (-x[1], x[0]))
    per_source.append(("no specific MSC source", len(findings - attributed)))
    per_evidence = sorted(
        ((label(graph, r.evidence), int(r.n)) for r in graph.query(_EVIDENCE_COUNTS, initNs=PREFIXES)),
        key=lambda x: -x[1],
    )
    return FindingStats(len(findings), per_section, heading_only, per_source, per_evidence)
