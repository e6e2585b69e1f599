"""The fast SHACL path: core constraints in pyshacl, SHACL-SPARQL constraints on Oxigraph.

pyshacl runs SHACL-SPARQL constraints and targets on rdflib's SPARQL engine, which grows much
faster than linearly: on a ×10 clone of the graph they took 95 % of a 223 s validation while the
core constraints took 9 s. Here a node shape whose only constraints are ``sh:sparql`` is taken out of
the shapes pyshacl sees and run on pyoxigraph instead, over the same graph pyshacl validated (after
its RDFS inference, so ``?x a C`` sees subclass members), following the SHACL-SPARQL rules pyshacl
follows: ``$this`` pre-bound to each focus node; ``?this``, ``?path`` and ``?value`` from the solution
override the focus node, the shape's path and (for node shapes) the focus node as value; ``{?var}``
in ``sh:message`` is replaced by the bound value. pyshacl with every shape stays the oracle: a test
asserts both paths give identical results on the project's graph and on every fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from .namespaces import SH
from .query_results import ox_to_rdflib as to_rdflib

#: Predicates a node shape may carry and still be run here (anything else stays with pyshacl).
_SPARQL_ONLY = {RDF.type, SH.sparql, SH.target, SH.targetClass, SH.targetNode, SH.severity, SH.message,
                SH.name, SH.description, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
                URIRef("http://www.w3.org/2000/01/rdf-schema#label")}


@dataclass(frozen=True)
class SparqlShape:
    iri: URIRef
    severity: URIRef
    targets: tuple[str, ...]  # SELECT ?this queries (SPARQL targets and class/node targets as queries)
    constraints: tuple[tuple[URIRef, str, tuple[Literal, ...]], ...]  # (constraint, select, messages)


def _target_queries(shapes: Graph, shape: URIRef) -> tuple[str, ...] | None:
    queries = []
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None or (target, RDF.type, SH.SPARQLTarget) not in shapes:
            return None
        queries.append(str(select))
    for cls in shapes.objects(shape, SH.targetClass):
        queries.append(f"SELECT DISTINCT ?this WHERE {{ ?this a <{cls}> }}")
    for node in shapes.objects(shape, SH.targetNode):
        if not isinstance(node, URIRef):
            return None
        queries.append(f"SELECT ?this WHERE {{ VALUES ?this {{ <{node}> }} }}")
    return tuple(queries)


def split_shapes(shapes: Graph) -> tuple[Graph, list[SparqlShape]]:
    """The shapes graph without the SPARQL-only node shapes, and those shapes ready to run here."""
    fast: list[SparqlShape] = []
    for shape in sorted(set(shapes.subjects(SH.sparql, None)), key=str):
        if not isinstance(shape, URIRef) or set(shapes.predicates(shape)) - _SPARQL_ONLY:
            continue
        targets = _target_queries(shapes, shape)
        constraints = []
        for c in sorted(shapes.objects(shape, SH.sparql), key=str):
            select = shapes.value(c, SH.select)
            if not isinstance(c, URIRef) or select is None or (c, SH.prefixes, None) in shapes \
                    or (c, SH.deactivated, None) in shapes:
                constraints = None
                break
            constraints.append((c, str(select), tuple(shapes.objects(c, SH.message))))
        if targets is None or constraints is None:
            continue
        severity = shapes.value(shape, SH.severity) or SH.Violation
        fast.append(SparqlShape(shape, severity, targets, tuple(constraints)))
    core = Graph()
    dropped = {s.iri for s in fast}
    for triple in shapes:
        if triple[0] not in dropped:
            core.add(triple)
    return core, fast


def _message(template: Literal, bound: dict[str, object]) -> Literal:
    text = str(template)
    for var, val in bound.items():
        text = re.sub(rf"\{{[?$]{re.escape(var)}\}}", lambda _m, v=val: str(v), text)
    return Literal(text, lang=template.language, datatype=template.datatype)


def _original_literal(graph: Graph, focus, path, value):
    """Oxigraph canonicalises derived datatypes (xsd:nonNegativeInteger comes back as xsd:integer):
    report the literal as the data states it, found on the focus node under the result path."""
    if isinstance(value, Literal) and isinstance(path, URIRef):
        for o in graph.objects(focus, path):
            if isinstance(o, Literal) and str(o) == str(value) and o.language == value.language:
                return o
    return value


def run_sparql_shapes(store: ox.Store, fast: list[SparqlShape], graph: Graph) -> Graph:
    """Run the SPARQL-only shapes on ``store`` (loaded from ``graph``); the results as a SHACL results graph."""
    out = Graph()
    report = BNode()
    for shape in fast:
        focus_nodes = []
        for query in shape.targets:
            for row in store.query(query):
                node = row["this"]
                if node is not None and node not in focus_nodes:
                    focus_nodes.append(node)
        for focus in focus_nodes:
            for constraint, select, messages in shape.constraints:
                seen = set()
                solutions = store.query(select, substitutions={ox.Variable("this"): focus})
                variables = solutions.variables
                for row in solutions:
                    bound = {v.value: to_rdflib(row[v]) for v in variables if row[v] is not None}
                    this, path, value = bound.get("this"), bound.get("path"), bound.get("value")
                    key = tuple(sorted((k, str(v)) for k, v in bound.items()))
                    if key in seen:
                        continue
                    seen.add(key)
                    f = this or to_rdflib(focus)
                    value = _original_literal(graph, f, path, value) if value is not None else to_rdflib(focus)
                    r = BNode()
                    out.add((report, SH.result, r))
                    out.add((r, RDF.type, SH.ValidationResult))
                    out.add((r, SH.focusNode, f))
                    out.add((r, SH.value, value))
                    if path is not None:
                        out.add((r, SH.resultPath, path))
                    out.add((r, SH.resultSeverity, shape.severity))
                    out.add((r, SH.sourceShape, shape.iri))
                    out.add((r, SH.sourceConstraint, constraint))
                    out.add((r, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
                    names = {"this": f, "value": value, **({"path": path} if path is not None else {}),
                             **{k: v for k, v in bound.items() if k not in ("this", "path", "value")}}
                    for m in messages:
                        out.add((r, SH.resultMessage, _message(m, names)))
    return out
