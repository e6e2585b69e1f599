"""Counts that summarise the graph (used by ``check`` and, later, ``stats``)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF


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
