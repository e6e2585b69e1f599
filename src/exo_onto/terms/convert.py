"""RDF terms between engines: Oxigraph's, rdflib's and SPARQL JSON results', one converter each way.

Every engine hands back its own term objects; the report, the tables, the comparisons and the
rdflib-based tools (pyshacl, HermiT via owlready2) need rdflib's. Typed literals keep their lexical
form unless asked otherwise, so a value reads as the file wrote it.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

__all__ = ["from_json_binding", "ox_to_rdflib", "rdflib_to_ox"]


def ox_to_rdflib(t, normalize: bool = False) -> Node | None:
    """An Oxigraph term as the equal rdflib term (None stays None); ``normalize`` writes typed literals
    in rdflib's canonical form (``1.5e0`` as ``1.5``), as an rdflib parse of the same file would."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == str(XSD.string):
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value), normalize=normalize)
    raise TypeError(f"unexpected term {t!r}")


def rdflib_to_ox(t: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the equal Oxigraph term, the lexical form of a literal as it is (blank nodes keep
    their ids, as :func:`exo_onto.io.load.store_from_graph` keeps them)."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
    raise TypeError(f"unexpected term {t!r}")


def from_json_binding(b: dict | None) -> Node | None:
    """A term of SPARQL 1.1 Query Results JSON as the rdflib term (None stays None); a malformed binding
    is a ``ValueError``. Typed literals keep their lexical form."""
    if b is None:
        return None
    if not isinstance(b, dict) or not isinstance(b.get("type"), str) or not isinstance(b.get("value"), str):
        raise ValueError(f"a binding needs a string 'type' and 'value', got {json.dumps(b, ensure_ascii=True)[:120]}")
    kind, value = b["type"], b["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in b:
        return Literal(value, lang=b["xml:lang"])
    dt = b.get("datatype")
    if dt and dt != str(XSD.string):
        return Literal(value, datatype=URIRef(dt), normalize=False)
    return Literal(value)
