"""The fast SHACL engine: the compiled shapes (:mod:`exo_onto.shacl_compile`) run on Oxigraph.

Validation sees the data with the same RDFS closure pyshacl's ``inference="rdfs"`` gives it after
:mod:`exo_onto.validation` prepares the graph (no domains and ranges, defined classes filed under
their named conjuncts): subclass members typed with every superclass, subproperty values under
every superproperty, every node an ``rdfs:Resource``. The closure goes into a named graph of its
own, so the stored queries, which read the default graph, never see it.

SHACL-SPARQL constraints follow pyshacl's rules: ``$this`` is the focus node; ``?this``, ``?path`` and
``?value`` in a solution override focus, path and (for node shapes) value; ``{?var}`` in
``sh:message`` is replaced by the bound value. pyshacl with every shape stays the oracle: a test
asserts both give identical results on the project's graph and on every fixture.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

import pyoxigraph as ox
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from .loading import LoadedStore
from .namespaces import MSCEXO
from .query_results import ox_to_rdflib
from .shacl_compile import Compiled, CoreCheck, SparqlCheck
from .validation_report import ValidationResult, make_result

INFERRED = ox.NamedNode("urn:x-exo-onto:inferred")
_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
_LABELS = (ox.NamedNode(str(RDFS.label)), ox.NamedNode(str(MSCEXO.englishRendering)))


def _closure(pairs: Iterable[tuple[object, object]]) -> dict[object, set[object]]:
    """Every node's ancestors (transitive, without itself) from (child, parent) pairs."""
    parents: dict[object, set[object]] = defaultdict(set)
    for child, parent in pairs:
        if child != parent:
            parents[child].add(parent)
    out: dict[object, set[object]] = {}
    for node in list(parents):
        seen, todo = set(), list(parents[node])
        while todo:
            p = todo.pop()
            if p not in seen and p != node:
                seen.add(p)
                todo += parents.get(p, ())
        out[node] = seen
    return out


def _values(pairs: list[tuple[object, object]], a: str, b: str) -> str:
    rows = " ".join(f"({x} {y})" for x, y in pairs)
    return f"VALUES ({a} {b}) {{ {rows} }}"


def add_rdfs_closure(store: ox.Store) -> None:
    """Put the RDFS entailments validation relies on into the :data:`INFERRED` graph of ``store``."""
    def select(text: str) -> list[ox.QuerySolution]:
        return list(store.query(_PREFIXES + text, use_default_graph_as_union=True))

    def insert(template: str, where: str) -> None:
        store.update(f"{_PREFIXES}INSERT {{ GRAPH <{INFERRED.value}> {{ {template} }} }} WHERE {{ {where} }}")

    told = [(r[0], r[1]) for r in select(
        "SELECT DISTINCT ?c ?x WHERE { { ?c owl:equivalentClass ?x } UNION { ?x owl:equivalentClass ?c } "
        "FILTER (isIRI(?c) && isIRI(?x)) }")]
    told += [(r[0], r[1]) for r in select(
        "SELECT DISTINCT ?c ?m WHERE { { ?c owl:equivalentClass ?e } UNION { ?e owl:equivalentClass ?c } "
        "?e owl:intersectionOf/rdf:rest*/rdf:first ?m . FILTER (isIRI(?c) && isIRI(?m) && isBlank(?e)) }")]
    direct = [(r[0], r[1]) for r in select("SELECT ?c ?d WHERE { ?c rdfs:subClassOf ?d }")]
    supers = _closure(direct + told)
    pairs = [(c, d) for c, ds in supers.items() for d in ds if not isinstance(c, ox.BlankNode)
             and not isinstance(d, ox.BlankNode)]
    if pairs:
        insert("?c rdfs:subClassOf ?d", _values(pairs, "?c", "?d"))
    superprops = _closure((r[0], r[1]) for r in select("SELECT ?p ?q WHERE { ?p rdfs:subPropertyOf ?q }"))
    props = [(p, q) for p, qs in superprops.items() for q in qs
             if isinstance(p, ox.NamedNode) and isinstance(q, ox.NamedNode)]
    if props:
        insert("?s ?q ?o", "?s ?p ?o . " + _values(props, "?p", "?q"))
    if pairs:  # types after subproperties, so a subproperty of rdf:type would count too
        insert("?x a ?d", f"{{ ?x a ?c }} UNION {{ GRAPH <{INFERRED.value}> {{ ?x a ?c }} }} "
                          + _values(pairs, "?c", "?d"))
    insert("?x a rdfs:Resource", "{ ?x ?p ?o } UNION { ?s ?p ?x FILTER (!isLiteral(?x)) }")


# --- sh:datatype on the literal as written (pyshacl's rules) ------------------------------------

_PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
                 XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


def _datatype_ok(value: Node, datatype: URIRef) -> bool:
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        if getattr(value, "ill_typed", None) is True:
            return False
    elif datatype == RDFS.Literal or (datatype == RDFS.Datatype and value.datatype):
        return True
    elif not ((value.datatype is None and value.language is None and datatype == XSD.string)
              or (datatype == RDF.langString and value.language)):
        return False
    expected = _PYTHON_TYPES.get(datatype)
    return expected is None or isinstance(value.value, expected)


# --- running --------------------------------------------------------------------------------------

class _Raw:
    """A result before rendering: Oxigraph focus and value, the rest as the shapes graph has it."""

    __slots__ = ("focus", "path", "value", "severity", "shape", "constraint", "messages")

    def __init__(self, focus, path, value, severity, shape, constraint, messages) -> None:
        self.focus, self.path, self.value = focus, path, value
        self.severity, self.shape, self.constraint, self.messages = severity, shape, constraint, messages


def _as_written(loaded: LoadedStore, focus, path: Node | None, value):
    if isinstance(value, ox.Literal) and isinstance(path, URIRef):
        return loaded.as_written(focus, ox.NamedNode(str(path)), value)
    return value


def _run_core(loaded: LoadedStore, check: CoreCheck, prefixes: dict[str, str]) -> Iterable[_Raw]:
    solutions = loaded.store.query(check.query, prefixes=prefixes, use_default_graph_as_union=True)
    has_value = any(v.value == "value" for v in solutions.variables)
    for row in solutions:
        focus = row["this"]
        value = row["value"] if has_value else (focus if check.path is None else None)
        value = _as_written(loaded, focus, check.path, value)
        if check.datatype is not None and _datatype_ok(ox_to_rdflib(value), check.datatype):
            continue
        yield _Raw(focus, check.path, value, check.severity, check.shape,
                   check.component, [(m, {}) for m in check.messages])


def _message(template: Literal, bound: dict[str, Node]) -> Literal:
    text = str(template)
    for var, val in bound.items():
        text = re.sub(rf"\{{[?$]{re.escape(var)}\}}", lambda _m, v=val: str(v), text)
    return Literal(text, lang=template.language, datatype=template.datatype)


def _run_sparql(loaded: LoadedStore, check: SparqlCheck, prefixes: dict[str, str],
                focus_cache: dict[str, list]) -> Iterable[_Raw]:
    store = loaded.store
    if check.joined is not None:
        batches = [store.query(check.joined, prefixes=prefixes, use_default_graph_as_union=True)]
    else:
        if check.focus not in focus_cache:
            focus_cache[check.focus] = [r["this"] for r in store.query(
                f"SELECT DISTINCT ?this WHERE {{ {check.focus} }}", prefixes=prefixes,
                use_default_graph_as_union=True)]
        batches = [store.query(check.select, substitutions={ox.Variable("this"): f},
                               use_default_graph_as_union=True) for f in focus_cache[check.focus]]
    seen = set()
    for solutions in batches:
        variables = [v for v in solutions.variables if not v.value.startswith("_v")]
        for row in solutions:
            bound = {v.value: row[v] for v in variables if row[v] is not None}
            key = tuple(sorted((k, str(v)) for k, v in bound.items()))
            if key in seen:
                continue
            seen.add(key)
            focus = bound["this"]
            path = ox_to_rdflib(bound.get("path"))
            value = bound.get("value")
            value = _as_written(loaded, focus, path, value) if value is not None else focus
            names = {k: ox_to_rdflib(v, True) for k, v in bound.items() if k not in ("this", "path", "value")}
            names.update({"this": ox_to_rdflib(focus), "value": ox_to_rdflib(value, True)})
            if path is not None:
                names["path"] = path
            yield _Raw(focus, path, value, check.severity, check.shape, check.constraint,
                       [(m, names) for m in check.messages])


def _labels(store: ox.Store, nodes: Iterable[object]) -> dict[object, str]:
    """The English label (any label else), or a span's English rendering, of each node: index lookups,
    one node at a time (a VALUES join would scan every label for each batch)."""
    out = {}
    for node in set(nodes):
        if isinstance(node, ox.Literal):
            continue
        for predicate in _LABELS:
            labels = [ox_to_rdflib(q.object) for q in store.quads_for_pattern(node, predicate, None, ox.DefaultGraph())]
            if labels:
                labels.sort(key=lambda lab: (getattr(lab, "language", None) != "en", str(lab)))
                out[node] = " ".join(str(labels[0]).split())
                break
    return out


def run_compiled(loaded: LoadedStore, compiled: Compiled, shapes: Graph) -> list[ValidationResult]:
    """Every result of the compiled shapes on ``loaded`` (whose store must hold the RDFS closure)."""
    raw: list[_Raw] = []
    for check in compiled.core:
        raw += _run_core(loaded, check, compiled.prefixes)
    focus_cache: dict[str, list] = {}
    for sparql in compiled.sparql:
        raw += _run_sparql(loaded, sparql, compiled.prefixes, focus_cache)
    labels = _labels(loaded.store, (r.focus for r in raw))
    out = []
    for r in raw:
        messages = [_message(m, names) for m, names in r.messages]
        # Values are shown as rdflib reads them, so both engines word a result the same way.
        out.append(make_result(ox_to_rdflib(r.focus), r.path, ox_to_rdflib(r.value, True), messages, r.severity,
                               r.shape, r.constraint, labels.get(r.focus), shapes))
    return out
