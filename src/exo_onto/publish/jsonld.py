"""JSON-LD a web developer can use: a context with term definitions, the compacted graph, and a
findings document framed into one plain object per finding.

The context is derived from the graph, so every property gets a short alias (``subject``,
``derives_from``, ``label``), IRI-valued properties are typed ``"@type": "@id"`` (their values are
plain strings), language-tagged properties are language maps (``"label": {"en": …, "zh": …}``) and
properties whose values share one datatype carry it. Compaction and framing are done by pyld (the
JSON-LD 1.1 reference algorithms), so expanding what is written gives back the graph's triples.
Output is sorted and byte-stable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from exo_onto.io.serialize import canonical, term_sort_key
from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import BASE, PREFIXES

#: keyword aliases every document with the context has: ``node["id"]``, ``node["type"]``
KEYWORD_ALIASES = {"id": "@id", "type": "@type"}
#: the key the findings document keeps its findings under
FINDINGS_KEY = "findings"
_RESERVED = {*KEYWORD_ALIASES, FINDINGS_KEY}
FINDING = URIRef(BASE + "Finding")


def _longest_namespace(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) for the longest project namespace that ``iri`` starts with."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = prefix
    return (best, iri[len(PREFIXES[best]):]) if best else None


def _identifier(text: str) -> str:
    """A JavaScript-friendly key: letters, digits and ``_`` only, not starting with a digit."""
    key = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")
    return f"_{key}" if key[:1].isdigit() else key


def _alias_candidates(graph: Graph, iri: URIRef) -> tuple[str, str]:
    """(short alias, qualified alias) of a property or class: its local name, or the English label of an
    OBO term (``obo:RO_0001000`` is ``derives_from``); the qualified form is used when two terms collide."""
    split = _longest_namespace(str(iri))
    if split is None:
        key = _identifier(str(iri))
        return key, key
    prefix, local = split
    if prefix == "obo":
        name = label(graph, iri, default="")
        short = _identifier(name) if name else _identifier(local)
    else:
        short = _identifier(local)
    return short, _identifier(f"{prefix}_{local}")


def _value_coercion(values: list) -> dict[str, str]:
    """How the values of one property are written: IRIs as strings, a language map, or one datatype."""
    if not values:
        return {}
    if all(isinstance(v, (URIRef, BNode)) for v in values):
        return {"@type": "@id"}
    if all(isinstance(v, Literal) and v.language for v in values):
        return {"@container": "@language"}
    datatypes = {v.datatype for v in values if isinstance(v, Literal)}
    if all(isinstance(v, Literal) and not v.language for v in values) and len(datatypes) == 1:
        (datatype,) = datatypes
        if datatype is not None and datatype != XSD.string:
            return {"@type": str(datatype)}
    return {}


def _unique(candidates: dict[URIRef, tuple[str, str]], taken: set[str]) -> dict[URIRef, str]:
    """Short aliases where they are unambiguous, qualified ones where two IRIs would share a name."""
    by_short: dict[str, list[URIRef]] = {}
    for iri, (short, _) in candidates.items():
        by_short.setdefault(short, []).append(iri)
    chosen: dict[URIRef, str] = {}
    for short, iris in sorted(by_short.items()):
        for iri in sorted(iris):
            name = short if len(iris) == 1 and short and short not in taken else candidates[iri][1]
            if name and name not in taken and name not in chosen.values():
                chosen[iri] = name
    return chosen


def context(graph: Graph) -> dict[str, Any]:
    """The JSON-LD context for ``graph``: prefixes, ``id``/``type``, one alias per property, and an alias per
    project class used as a type (``"type": "Finding"``)."""
    ctx: dict[str, Any] = dict(sorted(PREFIXES.items()))
    ctx.update(KEYWORD_ALIASES)
    taken = set(ctx) | _RESERVED
    predicates = sorted({p for p in graph.predicates() if p != RDF.type})
    aliases = _unique({p: _alias_candidates(graph, p) for p in predicates}, taken)
    for p, name in sorted(aliases.items(), key=lambda x: x[1]):
        ctx[name] = {"@id": str(p), **_value_coercion(list(graph.objects(None, p)))}
    taken |= set(aliases.values())
    classes = sorted({o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef) and str(o).startswith(BASE)})
    for cls, name in _unique({c: _alias_candidates(graph, c) for c in classes}, taken).items():
        ctx[name] = str(cls)
    return {"@context": dict(sorted(ctx.items()))}


def _sorted(value: Any, ordered: bool = False) -> Any:
    """Arrays of a JSON-LD document are sets (sorted here for stable bytes); an ``@list`` keeps its order."""
    if isinstance(value, list):
        items = [_sorted(v) for v in value]
        return items if ordered else sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, dict):
        return {k: _sorted(v, ordered=(k == "@list")) for k, v in value.items()}
    return value


def _rdf_term(term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "IRI", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "blank node", "value": f"_:{term}"}
    if term.language:
        return {"type": "literal", "value": str(term), "datatype": str(RDF.langString), "language": term.language}
    return {"type": "literal", "value": str(term), "datatype": str(term.datatype or XSD.string)}


def _expanded(graph: Graph) -> list:
    """Expanded JSON-LD of ``graph`` by pyld's RDF-to-JSON-LD algorithm.

    The triples are handed over as pyld's dataset structure (canonical blank-node labels, sorted):
    pyld's own N-Quads reader compares every pair of triples and takes minutes on a large graph.
    """
    from pyld import jsonld as pyld

    triples = sorted(canonical(graph), key=lambda t: tuple(term_sort_key(x) for x in t))
    dataset = {"@default": [{"subject": _rdf_term(s), "predicate": _rdf_term(p), "object": _rdf_term(o)}
                            for s, p, o in triples]}
    return pyld.from_rdf(dataset, {"useNativeTypes": False})


def _dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def compacted(graph: Graph, ctx: dict[str, Any]) -> str:
    """The whole graph compacted with ``ctx`` (the context is embedded, so the file reads offline)."""
    from pyld import jsonld as pyld

    doc = pyld.compact(_expanded(graph), ctx, {"compactArrays": True, "graph": True})
    nodes = doc.get("@graph", [])
    out = {"@context": ctx["@context"],
           "@graph": sorted((_sorted(n) for n in nodes), key=lambda n: json.dumps(n.get("id", ""), ensure_ascii=False))}
    return _dump(out)


#: What a finding object holds, as (property IRI, what is embedded of its value).
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_LABELLED = ("label",)
_FINDING_SHAPE: tuple[tuple[str, tuple], ...] = (
    (_LABEL, ()),
    ("https://w3id.org/biolink/vocab/subject", _LABELLED),
    ("https://w3id.org/biolink/vocab/predicate", _LABELLED),
    ("https://w3id.org/biolink/vocab/object", _LABELLED),
    ("https://w3id.org/biolink/vocab/has_evidence", _LABELLED),
    (BASE + "direction", _LABELLED),
    (BASE + "objectAspect", _LABELLED),
    (BASE + "anatomicalContext", _LABELLED),
    (BASE + "hasContext", _LABELLED),
    (BASE + "statedInSection", _LABELLED),
    ("http://purl.org/spar/cito/citesAsEvidence", _LABELLED),
    ("http://www.w3.org/2004/02/skos/core#editorialNote", ()),
    ("http://www.w3.org/2004/02/skos/core#changeNote", ()),
    ("http://www.w3.org/ns/prov#wasDerivedFrom", ("span",)),
)
_SPAN_PROPERTIES = (BASE + "englishRendering", "http://www.w3.org/ns/oa#hasSelector")
_SELECTOR_PROPERTIES = ("http://www.w3.org/ns/oa#exact", "http://www.w3.org/ns/oa#start",
                        "http://www.w3.org/ns/oa#end")


def findings_frame(ctx: dict[str, Any], graph_predicates: set[str]) -> dict[str, Any]:
    """The JSON-LD frame of the findings document: one object per ``mscexo:Finding``, every value it points
    at embedded with its labels (the span with its quote and offsets), nothing else.

    Properties are keyed by full IRI in the frame: a ``{}`` wildcard under a language-map alias would
    expand to an empty language map and match nothing.
    """
    def node(iris: tuple[str, ...]) -> dict[str, Any]:
        return {"@explicit": True, **{i: {} for i in iris if i in graph_predicates}}

    frame: dict[str, Any] = {"@context": ctx["@context"], "@type": str(FINDING), "@explicit": True}
    for iri, embed in _FINDING_SHAPE:
        if iri not in graph_predicates:
            continue
        if embed == _LABELLED:
            frame[iri] = node((_LABEL,))
        elif embed == ("span",):
            span = node(_SPAN_PROPERTIES[:1])
            span[_SPAN_PROPERTIES[1]] = node(_SELECTOR_PROPERTIES)
            frame[iri] = span
        else:
            frame[iri] = {}
    return frame


def findings_document(graph: Graph, ctx: dict[str, Any]) -> str:
    """The findings as a framed JSON-LD document: ``{"findings": [{"id": …, "subject": {"id": …,
    "label": {"en": …, "zh": …}}, …}]}``: plain keys, no RDF tooling needed to read it."""
    from pyld import jsonld as pyld

    doc_ctx = {"@context": {**ctx["@context"], FINDINGS_KEY: "@graph"}}
    frame = findings_frame(doc_ctx, {str(p) for p in graph.predicates()})
    framed = pyld.frame(_expanded(graph), frame, {"embed": "@always", "omitDefault": True, "omitGraph": False,
                                                  "pruneBlankNodeIdentifiers": True})
    findings = framed.get(FINDINGS_KEY, framed.get("@graph", []))
    if isinstance(findings, dict):
        findings = [findings]
    out = {"@context": doc_ctx["@context"],
           FINDINGS_KEY: sorted((_sorted(f) for f in findings), key=lambda f: f["id"])}
    return _dump(out)


__all__ = ["FINDINGS_KEY", "compacted", "context", "findings_document", "findings_frame"]
