"""The fast SHACL engine: the compiled shapes (:mod:`exo_onto.shacl.compile`) run on Oxigraph.

Validation sees the data with the same RDFS closure pyshacl's ``inference="rdfs"`` gives it after
:mod:`exo_onto.shacl.validate` prepares the graph (no domains and ranges, defined classes filed under
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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from itertools import chain

import pyoxigraph as ox
from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from exo_onto.io.load import LoadedStore
from exo_onto.io.memory import give_back_memory
from exo_onto.io.workers import in_order, workers_for
from exo_onto.shacl.compile import Compiled, CoreCheck, SparqlCheck
from exo_onto.shacl.prebinding import prebind_blank, substitute
from exo_onto.shacl.report import (
    PendingResult,
    ResultTerms,
    ValidationResult,
    first_message,
    make_result,
    node_name,
    result_key,
    severity_name,
    shape_name,
    shorten,
)
from exo_onto.terms.convert import ox_to_rdflib
from exo_onto.terms.namespaces import MSCEXO, SH

INFERRED = ox.NamedNode("urn:x-exo-onto:inferred")
_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
_LABEL, _RENDERING = ox.NamedNode(str(RDFS.label)), ox.NamedNode(str(MSCEXO.englishRendering))


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
    """Put the RDFS entailments validation relies on into the :data:`INFERRED` graph of ``store``, replacing
    whatever that graph holds (validation takes it out after, :func:`remove_rdfs_closure`; a stale one would
    let entailments of triples since removed satisfy a check)."""
    store.clear_graph(INFERRED)
    def select(text: str) -> list[ox.QuerySolution]:
        return list(store.query(_PREFIXES + text, use_default_graph_as_union=True))

    def insert(template: str, where: str) -> None:
        # Distinct solutions first: Oxigraph holds an update's solutions in memory before it inserts, and
        # without DISTINCT "every node" is each node once per triple it is in (x1000: a 5.0 GB peak, 2.1 GB with it).
        variables = " ".join(sorted(set(re.findall(r"\?\w+", template))))
        store.update(f"{_PREFIXES}INSERT {{ GRAPH <{INFERRED.value}> {{ {template} }} }} "
                     f"WHERE {{ SELECT DISTINCT {variables} WHERE {{ {where} }} }}")

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


def remove_rdfs_closure(loaded: LoadedStore) -> None:
    """Take the :data:`INFERRED` graph out of the store again, and give its memory back (x1000: 340 MB)."""
    if loaded.store.contains_named_graph(INFERRED):
        loaded.store.remove_graph(INFERRED)
    give_back_memory(loaded.triples)


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

@dataclass(slots=True)
class _Raw:
    """A result before rendering: Oxigraph focus and value, the rest as the shapes graph has it.

    ``constraint`` is the SPARQL constraint of a SHACL-SPARQL rule, else the component.
    """

    focus: object
    path: Node | None
    value: object
    severity: URIRef
    shape: Node
    constraint: Node
    component: Node
    messages: list


class _TargetLiterals:
    """Literal ``sh:targetNode`` values as the shapes graph wrote them (a query returns them by value)."""

    def __init__(self, shapes: Graph) -> None:
        self._by_value: dict[tuple, Literal] = {}
        for node in shapes.objects(None, SH.targetNode):
            if isinstance(node, Literal):
                self._by_value.setdefault(self._key(node), node)

    @staticmethod
    def _key(lit: Literal) -> tuple:
        return lit.datatype, lit.language, lit.value if lit.value is not None else str(lit)

    def as_written(self, focus: object) -> object:
        if not self._by_value or not isinstance(focus, ox.Literal):
            return focus
        written = self._by_value.get(self._key(ox_to_rdflib(focus)))
        if written is None:
            return focus
        if written.language:
            return ox.Literal(str(written), language=written.language)
        return ox.Literal(str(written), datatype=ox.NamedNode(str(written.datatype or XSD.string)))


def _as_written(loaded: LoadedStore, focus, path: Node | None, value):
    if isinstance(value, ox.Literal) and isinstance(path, URIRef):
        return loaded.as_written(focus, ox.NamedNode(str(path)), value)
    return value


def _run_core(loaded: LoadedStore, check: CoreCheck, union: bool, targets: _TargetLiterals) -> Iterable[_Raw]:
    solutions = loaded.store.query(check.query, use_default_graph_as_union=union)
    names = {v.value for v in solutions.variables}
    judged: dict[object, bool] = {}  # sh:datatype per literal as written: the same few values recur
    for row in solutions:
        focus = targets.as_written(row["this"])
        path = ox_to_rdflib(row["path"]) if "path" in names else check.path  # sh:closed names the predicate
        value = row["value"] if "value" in names else None
        # A node shape's value is its focus node (kept as written); other values as the data wrote them.
        value = focus if value is not None and value == row["this"] else _as_written(loaded, focus, path, value)
        if check.datatype is not None:
            if value not in judged:
                judged[value] = _datatype_ok(ox_to_rdflib(value), check.datatype)
            if judged[value]:
                continue
        yield _Raw(focus, path, value, check.severity, check.shape, check.component, check.component,
                   [(m, {}) for m in check.messages])


def _message(template: Literal, bound: dict[str, Node]) -> Literal:
    text = str(template)
    for var, val in bound.items():
        text = re.sub(rf"\{{[?$]{re.escape(var)}\}}", lambda _m, v=val: str(v), text)
    return Literal(text, lang=template.language, datatype=template.datatype)


#: A target that several SPARQL constraints share is looked up once; when it has this many nodes or fewer,
#: each constraint runs per node instead of joined with the target again. The project's six registry rules
#: share a target that is empty on a sound graph: joined, each found it anew (0.4 s apiece at x1000).
FEW = 16


def _few(store: ox.Store, focus: str, union: bool, focus_cache: dict[str, list]) -> bool:
    """Whether the target ``focus`` has at most :data:`FEW` nodes, asking for one more once per target; when it
    has, they are all its nodes and go into ``focus_cache`` (which holds each query's answer by its text)."""
    probe = f"{focus} LIMIT {FEW + 1}"
    if probe not in focus_cache:
        focus_cache[probe] = [r["this"] for r in store.query(probe, use_default_graph_as_union=union)]
    if len(focus_cache[probe]) > FEW:
        return False
    focus_cache[focus] = focus_cache[probe]
    return True


_SHOWN = re.compile(r"\{[?$]([^{}]+)\}")


def _run_sparql(loaded: LoadedStore, check: SparqlCheck, union: bool, focus_cache: dict[str, list],
                targets: _TargetLiterals, shared: bool = False) -> Iterable[_Raw]:
    """The constraint's results: joined with every focus node at once when that means the same, else per node
    (also when its target is ``shared`` with other constraints and has few nodes, see :data:`FEW`)."""
    store = loaded.store
    if check.joined is not None and not (shared and _few(store, check.focus, union, focus_cache)):
        batches = [(None, store.query(check.joined, use_default_graph_as_union=union))]
    else:
        if check.focus not in focus_cache:
            focus_cache[check.focus] = [r["this"] for r in store.query(check.focus, use_default_graph_as_union=union)]
        batches = ((f, _prebound(store, check.select, f, union)) for f in focus_cache[check.focus])
    seen = set()
    # Only what a message shows ({?var} or {$var}) is made an rdflib term: a check may give 100,000 rows.
    shown = {n for m in check.messages for n in _SHOWN.findall(str(m))}
    for prebound, solutions in batches:
        variables = [v for v in solutions.variables if not v.value.startswith("_v")]
        for row in solutions:
            bound = {v.value: row[v] for v in variables if row[v] is not None}
            if prebound is not None:
                bound["this"] = prebound
            key = tuple(sorted(bound.items()))  # names are distinct: the terms are never compared
            if key in seen:
                continue
            seen.add(key)
            focus = targets.as_written(bound["this"])
            path = ox_to_rdflib(bound["path"]) if "path" in bound else check.path
            value = bound.get("value")
            value = _as_written(loaded, focus, path, value) if value is not None else focus
            names = {k: ox_to_rdflib(v) for k, v in bound.items() if k in shown and k not in ("this", "path", "value")}
            if "this" in shown:
                names["this"] = ox_to_rdflib(focus)
            if "value" in shown:
                names["value"] = ox_to_rdflib(value)
            if path is not None and "path" in shown:
                names["path"] = path
            yield _Raw(focus, path, value, check.severity, check.shape, check.constraint,
                       SH.SPARQLConstraintComponent, [(m, names) for m in check.messages])


def _prebound(store: ox.Store, select: str, focus: object, union: bool) -> ox.QuerySolutions:
    """The constraint for one focus node, ``$this`` pre-bound as SHACL says: replaced by the node."""
    if isinstance(focus, ox.BlankNode):
        return store.query(prebind_blank(select), substitutions={ox.Variable("this"): focus},
                           use_default_graph_as_union=union)
    return store.query(substitute(select, "this", str(focus)), use_default_graph_as_union=union)


class _Labels:
    """Each node's name in the report (:func:`exo_onto.shacl.report.node_name`), read from the store by
    index lookups and remembered, since one node usually has several results."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.known: dict[object, str | None] = {}

    def _objects(self, node: object, predicate: ox.NamedNode) -> list:
        return [ox_to_rdflib(q.object) for q in self.store.quads_for_pattern(node, predicate, None, ox.DefaultGraph())]

    def __call__(self, node: object) -> str | None:
        if isinstance(node, ox.Literal):
            return None
        if node not in self.known:
            self.known[node] = node_name(self._objects(node, _LABEL), self._objects(node, _RENDERING))
        return self.known[node]


def run_compiled(loaded: LoadedStore, compiled: Compiled, shapes: Graph,
                 entailment: str = "rdfs") -> Iterator[PendingResult]:
    """Every result of the compiled shapes on ``loaded``, one at a time (a report need not hold them all),
    each rendered only when asked (:class:`~exo_onto.shacl.report.PendingResult`; ``render()``).

    With ``entailment="rdfs"`` the store must hold the RDFS closure (:func:`add_rdfs_closure`) and
    queries read the union of its graphs; with ``"none"`` they read the default graph only.
    """
    union = entailment == "rdfs"
    targets = _TargetLiterals(shapes)
    label = _Labels(loaded.store)
    focus_cache: dict[str, list] = {}
    shared = Counter(c.focus for c in compiled.sparql)
    names: dict[tuple[Node, Node, Node], tuple[str, str, str]] = {}  # one rule's names, for all its results
    jobs: list[Callable[[], list]] = [*(lambda c=c: list(_run_core(loaded, c, union, targets)) for c in compiled.core),
                                      *(lambda c=c: list(_run_sparql(loaded, c, union, focus_cache, targets,
                                                                     shared[c.focus] > 1))
                                        for c in compiled.sparql)]
    raws = chain.from_iterable(in_order(jobs, workers_for(loaded.store)))  # results in the checks' order
    for r in raws:
        rule = (r.shape, r.constraint, r.severity)
        if rule not in names:
            names[rule] = (shape_name(r.shape), shorten(str(r.constraint)), severity_name(r.severity))
        shape, constraint, severity = names[rule]
        messages = [_message(m, bound) for m, bound in r.messages]
        # Values are shown as the data wrote them ("1.0e0", not rdflib's "1.0"): a report names what is there.
        focus, value = ox_to_rdflib(r.focus), ox_to_rdflib(r.value)
        terms = ResultTerms(focus, r.path, value, r.shape, r.component, r.severity)
        yield PendingResult(
            result_key(terms, constraint, first_message(messages)), severity, str(focus), (shape, constraint),
            partial(_render, r, focus, value, messages, label, shapes))


def _render(r: _Raw, focus: Node, value: Node | None, messages: list[Literal], label: _Labels,
            shapes: Graph) -> ValidationResult:
    return make_result(focus, r.path, value, messages, r.severity, r.shape, r.constraint, label(r.focus), shapes,
                       component=r.component)
