"""SHACL property paths, read once: the compiler writes them as SPARQL, the report as text.

A path node is read into a small tree (:class:`Path`); a list is a sequence path whatever else the
node says (the reading the W3C tests expect of a node that is both a list and an inverse path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from exo_onto.terms.namespaces import SH

#: The unary path kinds, with their SPARQL and text forms.
UNARY = {SH.inversePath: ("^({})", "^{}"), SH.zeroOrMorePath: ("({})*", "{}*"),
         SH.oneOrMorePath: ("({})+", "{}+"), SH.zeroOrOnePath: ("({})?", "{}?")}


@dataclass(frozen=True)
class Path:
    """``kind`` is ``iri`` (``iri`` set), ``sequence``/``alternative`` (``parts``), or a unary kind's predicate."""

    kind: object
    iri: URIRef | None = None
    parts: tuple[Path, ...] = ()


class NotAPath(ValueError):
    """The node is not a SHACL property path (the message names it)."""


def parse(node: Node, graphs: Graph | tuple[Graph, ...]) -> Path:
    """The path at ``node``, read from the first of ``graphs`` that describes it."""
    graphs = graphs if isinstance(graphs, tuple) else (graphs,)
    if isinstance(node, URIRef):
        return Path("iri", node)
    for g in graphs:
        if (node, RDF.first, None) in g:
            return Path("sequence", parts=tuple(parse(p, graphs) for p in Collection(g, node)))
        for predicate in UNARY:
            inner = g.value(node, predicate)
            if inner is not None:
                return Path(predicate, parts=(parse(inner, graphs),))
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return Path("alternative", parts=tuple(parse(p, graphs) for p in Collection(g, alternatives)))
    raise NotAPath(f"property path {node}")


def to_sparql(path: Path) -> str:
    """The path as a SPARQL 1.1 property path."""
    if path.kind == "iri":
        return f"<{path.iri}>"
    inner = [to_sparql(p) for p in path.parts]
    if path.kind == "sequence":
        if len(inner) < 2:
            raise NotAPath(f"a sequence path of {len(inner)} step(s)")
        return "(" + "/".join(inner) + ")"
    if path.kind == "alternative":
        return "(" + "|".join(inner) + ")"
    return UNARY[path.kind][0].format(inner[0])


def to_text(path: Path, short: Callable[[str], str]) -> str:
    """The path as a curator reads it: ``prov:wasDerivedFrom``, ``^RO:0001000``, ``rdfs:subClassOf*``."""
    if path.kind == "iri":
        return short(str(path.iri))
    inner = [to_text(p, short) for p in path.parts]
    if path.kind == "sequence":
        return "/".join(inner)
    if path.kind == "alternative":
        return "(" + "|".join(inner) + ")"
    return UNARY[path.kind][1].format(inner[0])
