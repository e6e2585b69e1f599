"""OBO Graphs JSON of an ontology, the format OLS and oaklib read.

The document is built with the ``obographs`` package (the Pydantic model of the OBO Graphs JSON
schema), following the OWL mapping of the reference Java implementation: declarations become
nodes, ``SubClassOf`` a named class an ``is_a`` edge, ``SubClassOf (R some C)`` an edge labelled
``R``, class assertions ``type`` edges, ``A ≡ G ⊓ ∃R.C`` a logical definition, and annotations
the node's ``meta`` (definition, synonyms, comments, xrefs, other property values).

pronto 2.7 can also write OBO Graphs JSON, but through fastobo's converter, which drops synonyms,
comments and property values; and it keeps one label and one definition per term, picked by
document order. Here the English label is the node's ``lbl`` and the Chinese labels are exact
synonyms, so OLS can find a term by either.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from exo_onto.terms.namespaces import DEFINITION, OBOINOWL

IS_A = "is_a"
TYPE = "type"
SUBPROPERTY_OF = "subPropertyOf"
INVERSE_OF = "inverseOf"
_SYNONYMS = {
    OBOINOWL.hasExactSynonym: "hasExactSynonym", OBOINOWL.hasBroadSynonym: "hasBroadSynonym",
    OBOINOWL.hasNarrowSynonym: "hasNarrowSynonym", OBOINOWL.hasRelatedSynonym: "hasRelatedSynonym",
}
_KINDS = ((OWL.Class, "CLASS", None), (OWL.ObjectProperty, "PROPERTY", "OBJECT"),
          (OWL.DatatypeProperty, "PROPERTY", "DATA"), (OWL.AnnotationProperty, "PROPERTY", "ANNOTATION"),
          (OWL.NamedIndividual, "INDIVIDUAL", None))


def _text(values: Iterable) -> list[str]:
    return sorted({str(v) for v in values})


def _english_first(values: Iterable) -> tuple[str | None, list[Literal]]:
    """The English (else untagged, else first) literal and the others."""
    literals = sorted((v for v in values if isinstance(v, Literal)), key=lambda v: (v.language or "", str(v)))
    if not literals:
        return None, []
    main = next((v for v in literals if v.language == "en"), None) or next(
        (v for v in literals if not v.language), literals[0])
    return str(main), [v for v in literals if v is not main]


def _restriction(graph: Graph, node) -> tuple[str, str] | None:
    """(property, filler) of an ``owl:someValuesFrom`` restriction on named terms, else None."""
    if not isinstance(node, BNode) or (node, RDF.type, OWL.Restriction) not in graph:
        return None
    prop, filler = graph.value(node, OWL.onProperty), graph.value(node, OWL.someValuesFrom)
    if isinstance(prop, URIRef) and isinstance(filler, URIRef):
        return str(prop), str(filler)
    return None


def _meta(graph: Graph, iri: URIRef, synonym_extra: list[Literal]):
    import obographs as og

    definition = None
    basic: list[og.Property] = []
    defs_main, defs_other = _english_first(graph.objects(iri, DEFINITION))
    if defs_main is not None:
        definition = og.Definition(val=defs_main)
    basic += [og.Property(pred=str(DEFINITION), val=str(v)) for v in defs_other]
    synonyms = [og.Synonym(pred=pred, val=str(v))
                for p, pred in sorted(_SYNONYMS.items()) for v in sorted(graph.objects(iri, p), key=str)]
    synonyms += [og.Synonym(pred="hasExactSynonym", val=str(v)) for v in synonym_extra]
    comments = _text(graph.objects(iri, RDFS.comment))
    xrefs = [og.Xref(val=v) for v in _text(graph.objects(iri, OBOINOWL.hasDbXref))]
    deprecated = any(str(v).lower() in ("true", "1") for v in graph.objects(iri, OWL.deprecated))
    handled = {RDFS.label, RDFS.comment, DEFINITION, OBOINOWL.hasDbXref, OWL.deprecated, *_SYNONYMS}
    for p, o in sorted(graph.predicate_objects(iri), key=lambda po: (str(po[0]), str(po[1]))):
        if p in handled or isinstance(o, BNode) or (p, RDF.type, OWL.AnnotationProperty) not in graph:
            continue
        basic.append(og.Property(pred=str(p), val=str(o)))
    if not (definition or synonyms or comments or xrefs or basic or deprecated):
        return None
    return og.Meta(definition=definition, synonyms=synonyms or None, comments=comments or None,
                   xrefs=xrefs or None, basicPropertyValues=basic or None, deprecated=deprecated)


def obographs_json(graph: Graph, ontology: URIRef) -> str:
    """The OBO Graphs JSON document (one graph) of the ontology ``ontology`` held in ``graph``."""
    import obographs as og

    kinds: dict[str, tuple[str, str | None]] = {}
    for owl_type, node_type, property_type in reversed(_KINDS):  # the first kind in _KINDS wins
        for s in graph.subjects(RDF.type, owl_type):
            if isinstance(s, URIRef) and s != ontology:
                kinds[str(s)] = (node_type, property_type)
    edges: set[tuple[str, str, str]] = set()
    logical: list[og.LogicalDefinition] = []
    equivalent: list[og.EquivalentNodeSet] = []
    domain_range: dict[str, dict[str, set[str]]] = {}
    for s, o in graph.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef) and o != OWL.Thing:
            edges.add((str(s), IS_A, str(o)))
        elif isinstance(s, URIRef) and (r := _restriction(graph, o)):
            edges.add((str(s), r[0], r[1]))
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and kinds.get(str(s), ("",))[0] == "INDIVIDUAL" and isinstance(o, URIRef) \
                and o != OWL.NamedIndividual and str(o) in kinds:
            edges.add((str(s), TYPE, str(o)))
    for s, p, o in graph:
        if kinds.get(str(s), ("",))[0] == "INDIVIDUAL" and kinds.get(str(o), ("",))[0] == "INDIVIDUAL" \
                and kinds.get(str(p), ("", ""))[1] == "OBJECT":
            edges.add((str(s), str(p), str(o)))
    for s, o in graph.subject_objects(RDFS.subPropertyOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            edges.add((str(s), SUBPROPERTY_OF, str(o)))
    for s, o in graph.subject_objects(OWL.inverseOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            edges.add((str(s), INVERSE_OF, str(o)))
    for s, o in sorted(graph.subject_objects(OWL.equivalentClass)):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            equivalent.append(og.EquivalentNodeSet(representativeNodeId=str(s), nodeIds=sorted({str(s), str(o)})))
        elif isinstance(s, URIRef) and (members := graph.value(o, OWL.intersectionOf)) is not None:
            genus, restrictions = [], []
            for m in Collection(graph, members):
                if isinstance(m, URIRef):
                    genus.append(str(m))
                elif r := _restriction(graph, m):
                    restrictions.append(og.ExistentialRestrictionExpression(propertyId=r[0], fillerId=r[1]))
                else:  # a datatype restriction or a union: not expressible as an OBO logical definition
                    genus = restrictions = None
                    break
            if genus is not None:
                logical.append(og.LogicalDefinition(definedClassId=str(s), genusIds=sorted(genus),
                                                    restrictions=sorted(restrictions, key=lambda x: (x.propertyId,
                                                                                                    x.fillerId))))
    for axiom, key in ((RDFS.domain, "domain"), (RDFS.range, "range")):
        for p, c in graph.subject_objects(axiom):
            if isinstance(p, URIRef) and isinstance(c, URIRef) and kinds.get(str(p), ("", ""))[1] == "OBJECT":
                domain_range.setdefault(str(p), {"domain": set(), "range": set()})[key].add(str(c))

    node_ids = set(kinds) | {e[0] for e in edges} | {e[2] for e in edges if e[1] in (IS_A, TYPE)}
    nodes = []
    for node_id in sorted(node_ids):
        iri = URIRef(node_id)
        name, other_labels = _english_first(graph.objects(iri, RDFS.label))
        node_type, property_type = kinds.get(node_id, (None, None))
        nodes.append(og.Node(id=node_id, lbl=name, type=node_type, propertyType=property_type,
                             meta=_meta(graph, iri, other_labels)))
    header_basic = [og.Property(pred=str(p), val=str(o))
                    for p, o in sorted(graph.predicate_objects(ontology), key=lambda po: (str(po[0]), str(po[1])))
                    if p not in (RDF.type, OWL.versionIRI) and not isinstance(o, BNode)]
    version = graph.value(ontology, OWL.versionIRI)
    document = og.GraphDocument(graphs=[og.Graph(
        id=str(ontology),
        meta=og.Meta(version=str(version) if version else None, basicPropertyValues=header_basic or None),
        nodes=nodes,
        edges=[og.Edge(sub=s, pred=p, obj=o) for s, p, o in sorted(edges)],
        equivalentNodesSets=equivalent,
        logicalDefinitionAxioms=sorted(logical, key=lambda x: x.definedClassId),
        domainRangeAxioms=[og.DomainRangeAxiom(predicateId=p, domainClassIds=sorted(v["domain"]) or None,
                                               rangeClassIds=sorted(v["range"]) or None)
                           for p, v in sorted(domain_range.items())],
    )])
    return document.model_dump_json(exclude_none=True, indent=1) + "\n"
