"""Compile SHACL shapes to SPARQL queries that find their violations in one pass each.

pyshacl walks every focus node in Python, so the core constraints grow to minutes at a million
triples. Here each constraint of each targeted shape becomes one SPARQL ``SELECT`` over all its
focus nodes, which Oxigraph answers in milliseconds (run by :mod:`exo_onto.shacl.engine`).

Built like an engine: a registry of constraint components (pySHACL has one class per component,
rudof one struct each). A :class:`Component` names its parameters and builds SPARQL in the forms it
supports: a *value* test (true when one value node breaks it: node shapes, property shapes and
shapes nested in ``sh:node``/``sh:or``/…), *focus* queries over all focus nodes at once (counts,
pairs of paths, closed shapes), and a *nested* test for a nested property shape's counts.

Never silent: every targeted shape (``sh:targetClass``/``Node``/``SubjectsOf``/``ObjectsOf``, SPARQL
targets, implicit class targets, property shapes with their own targets) is either compiled whole
or handed to pyshacl whole, and :attr:`Compiled.plan` lists each (shape, component) with which of
the two it got. A parameter no component handles, or a form a component does not build, routes the
shape; nothing is dropped.

Entailment: with ``entailment="rdfs"`` the store holds the RDFS closure (:mod:`exo_onto.shacl.engine`),
so ``sh:class C`` is ``?v rdf:type C``; with ``"none"`` (plain SHACL) it is ``rdf:type/rdfs:subClassOf*``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count

from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from exo_onto.shacl import paths
from exo_onto.shacl.prebinding import IllFormedConstraint, check_pre_binding, joinable, mentions
from exo_onto.terms.namespaces import SH

__all__ = ["COMPONENTS", "Compiled", "Component", "CoreCheck", "IllFormedConstraint", "PlanEntry", "SparqlCheck",
           "compile_shapes", "target_shapes"]

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Predicates of a shape that carry no constraint of their own.
_STRUCTURE = {SH.property, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
              SH.defaultValue, SH.deactivated, SH.sparql, SH.select, SH.prefixes, SH.declare, *TARGETS}
_NODE_KINDS = {
    SH.IRI: "!isIRI({v})", SH.BlankNode: "!isBlank({v})", SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})", SH.BlankNodeOrLiteral: "isIRI({v})", SH.IRIOrLiteral: "isBlank({v})",
}
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)
#: Most values a nested count is spelled out for (n distinct variables, n(n-1)/2 inequalities).
_NESTED_COUNT_LIMIT = 4


class Unsupported(Exception):
    """The shape uses something this compiler does not translate; pyshacl validates it instead."""


@dataclass(frozen=True)
class CoreCheck:
    """One core constraint of one shape: each row of ``query`` (``?this``, maybe ``?value``, ``?path``) is a result.

    For ``sh:datatype`` (``datatype`` set) the rows are candidates that are judged in Python on the
    literal as the file wrote it, because the store keeps literals by value.
    """

    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None
    query: str
    datatype: URIRef | None = None


@dataclass(frozen=True)
class SparqlCheck:
    """A SHACL-SPARQL constraint of a targeted shape, run once per focus node with ``$this`` pre-bound.

    ``select`` has its prefixes declared and ``$PATH``/``$currentShape`` already bound; ``joined`` is
    the constraint over every focus node at once, when that means the same (:func:`shacl_sparql.joinable`).
    """

    shape: Node
    constraint: Node
    severity: URIRef
    messages: tuple[Literal, ...]
    focus: str  # a query for the focus nodes (``?this``)
    select: str
    path: Node | None = None
    joined: str | None = None


@dataclass(frozen=True)
class PlanEntry:
    """One constraint of a targeted shape (``shape`` is the root or one of its property shapes)."""

    root: Node
    shape: Node
    component: Node
    compiled: bool
    reason: str = ""


@dataclass
class Compiled:
    core: list[CoreCheck]
    sparql: list[SparqlCheck]
    left_to_pyshacl: list[Node]
    plan: list[PlanEntry] = field(default_factory=list)


# --- the registry ---------------------------------------------------------------------------

ValueBuilder = Callable[["_Compiler", Node, str, tuple], Iterator[str]]
FocusBuilder = Callable[["_Compiler", Node, "_Target"], Iterator[tuple[str, URIRef | None]]]
NestedBuilder = Callable[["_Compiler", Node, str, str, tuple], Iterator[str]]


@dataclass(frozen=True)
class Component:
    """A SHACL constraint component: its parameters and the SPARQL forms it can be compiled to.

    The component applies to a shape that has every parameter of ``required`` (and ``applies``,
    when given, agrees). ``value`` yields expressions true when the value node ``v`` breaks it;
    ``focus`` yields (query, datatype) pairs over all focus nodes; ``nested`` yields expressions
    true when the node ``v`` breaks a nested property shape (path given).
    """

    name: str
    required: tuple[URIRef, ...]
    optional: tuple[URIRef, ...] = ()
    value: ValueBuilder | None = None
    focus: FocusBuilder | None = None
    nested: NestedBuilder | None = None
    applies: Callable[[Graph, Node], bool] | None = None

    @property
    def iri(self) -> URIRef:
        return SH[f"{self.name}ConstraintComponent"]

    @property
    def parameters(self) -> tuple[URIRef, ...]:
        return self.required + self.optional

    def on(self, g: Graph, shape: Node) -> bool:
        return all((shape, p, None) in g for p in self.required) and (self.applies is None or self.applies(g, shape))


@dataclass(frozen=True)
class _Target:
    """Where a top-level shape's checks run: the focus pattern and, for property shapes, the path."""

    focus: str  # a group binding ?this
    path: str | None  # SPARQL path, None for a node shape
    path_node: Node | None

    @property
    def values(self) -> str:
        return f"{self.focus} ?this {self.path} ?value ."

    def violators(self, select: str, where: str, tail: str = "") -> str:
        """``SELECT DISTINCT select`` of the focus nodes (and values) that break a test on the path's values.

        ``where`` reads ``?this path ?value`` itself. For a plain predicate the predicate's triples are
        tested first and only the few that fail are joined with the focus nodes: looking the values up
        node by node from the focus was two to three times slower (x223: 0.165 s against 0.067 s for a
        sh:maxCount, 0.154 s against 0.070 s for a sh:class). A complex path starts from the focus nodes,
        since without them ``p*`` would reach every node of the graph.
        """
        if isinstance(self.path_node, URIRef):
            return f"SELECT DISTINCT {select} WHERE {{ {{ SELECT {select} WHERE {{ {where} }} {tail} }} {self.focus} }}"
        return f"SELECT DISTINCT {select} WHERE {{ {self.focus} {where} }} {tail}".rstrip()


def _is_true(node: Node | None) -> bool:
    """SHACL's ``true``: the boolean literal ``true`` itself (``"1"^^xsd:boolean`` does not count)."""
    return isinstance(node, Literal) and node.datatype == XSD.boolean and str(node) == "true"


def sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} as a constant")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _distinct(cx: _Compiler, subject: str, path: str, n: int) -> tuple[str, list[str]]:
    """A pattern binding ``n`` pairwise distinct values of ``subject path``."""
    if n > _NESTED_COUNT_LIMIT:
        raise Unsupported(f"a nested count above {_NESTED_COUNT_LIMIT}")
    names = [cx.var() for _ in range(n)]
    pattern = " ".join(f"{subject} {path} {w} ." for w in names)
    tests = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:]]
    return pattern + (f" FILTER ({' && '.join(tests)})" if tests else ""), names


# value tests ---------------------------------------------------------------------------------

def _class(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for cls in cx.g.objects(shape, SH["class"]):
        yield f"NOT EXISTS {{ {v} {cx.type_path} {sparql_term(cls)} }}"


def _node_kind(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for kind in cx.g.objects(shape, SH.nodeKind):
        if kind not in _NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {kind}")
        yield _NODE_KINDS[kind].format(v=v)


def _pattern(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    flags = cx.g.value(shape, SH.flags)
    for pattern in cx.g.objects(shape, SH.pattern):
        args = _string(str(pattern)) + (", " + _string(str(flags)) if flags is not None else "")
        yield f"(isBlank({v}) || !REGEX(STR({v}), {args}))"


def _in(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for members in cx.g.objects(shape, SH["in"]):
        allowed = " || ".join(f"sameTerm({v}, {sparql_term(m)})" for m in cx.items(members)) or "false"
        yield f"!({allowed})"


def _language_in(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for langs in cx.g.objects(shape, SH.languageIn):
        tests = " || ".join(f"langMatches(lang({v}), {_string(str(t))})" for t in cx.items(langs)) or "false"
        yield f"!(isLiteral({v}) && ({tests}))"


def _range(param: URIRef, op: str) -> ValueBuilder:
    def build(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
        for bound in cx.g.objects(shape, param):
            yield f"!COALESCE({v} {op} {sparql_term(bound)}, false)"
    return build


def _length(param: URIRef, op: str) -> ValueBuilder:
    def build(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
        for bound in cx.g.objects(shape, param):
            yield f"(isBlank({v}) || STRLEN(STR({v})) {op} {int(bound)})"
    return build


def _node(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for node in cx.g.objects(shape, SH.node):
        yield cx.violated(node, v, stack)


def _or(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for members in cx.g.objects(shape, SH["or"]):
        yield "(" + " && ".join([cx.violated(s, v, stack) for s in cx.items(members)] or ["true"]) + ")"


def _and(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for members in cx.g.objects(shape, SH["and"]):
        yield "(" + " || ".join([cx.violated(s, v, stack) for s in cx.items(members)] or ["false"]) + ")"


def _xone(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for members in cx.g.objects(shape, SH.xone):
        conforming = [f"IF({cx.violated(s, v, stack)}, 0, 1)" for s in cx.items(members)] or ["0"]
        yield f"(({' + '.join(conforming)}) != 1)"


def _not(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    for other in cx.g.objects(shape, SH["not"]):
        yield f"!{cx.violated(other, v, stack)}"


def _has_value_at_node(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    if cx.g.value(shape, SH.path) is not None:
        raise Unsupported("sh:hasValue of a property shape as a value test")
    for value in cx.g.objects(shape, SH.hasValue):
        yield f"!sameTerm({v}, {sparql_term(value)})"


def _string_datatype(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    """Nested ``sh:datatype``: only the string types, which the store keeps exactly as written."""
    for dtype in cx.g.objects(shape, SH.datatype):
        if dtype == XSD.string:
            yield f"!(isLiteral({v}) && lang({v}) = \"\" && datatype({v}) = <{XSD.string}>)"
        elif dtype == RDF.langString:
            yield f"!(isLiteral({v}) && lang({v}) != \"\")"
        else:
            raise Unsupported(f"nested sh:datatype {dtype} (literals are judged as written, in Python)")


# focus queries -------------------------------------------------------------------------------

def _datatype(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    for dtype in cx.g.objects(shape, SH.datatype):
        if t.path is None:
            yield f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {t.focus} }}", dtype
            continue
        if not isinstance(t.path_node, URIRef):
            raise Unsupported("sh:datatype on a complex path (literals as written are kept per predicate)")
        keep = f" FILTER (!(isLiteral(?value) && datatype(?value) = <{dtype}>))" \
            if dtype in (XSD.string, RDF.langString) else ""
        yield t.violators("?this ?value", f"?this {t.path} ?value .{keep}"), dtype


def _min_count(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    for low in cx.g.objects(shape, SH.minCount):
        if int(low) == 1:  # "has a value" is an anti-join: three times faster than counting every node's values
            yield f"SELECT DISTINCT ?this WHERE {{ {t.focus} MINUS {{ ?this {t.path} ?_count }} }}", None
            continue
        yield (f"SELECT ?this WHERE {{ {t.focus} OPTIONAL {{ ?this {t.path} ?value }} }} "
               f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})"), None


def _max_count(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    for high in cx.g.objects(shape, SH.maxCount):
        yield t.violators("?this", f"?this {t.path} ?value .",
                          f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(high)})"), None


def _has_value(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    for value in cx.g.objects(shape, SH.hasValue):
        if t.path is None:
            yield f"SELECT DISTINCT ?this WHERE {{ {t.focus} FILTER (!sameTerm(?this, {sparql_term(value)})) }}", None
        else:
            yield (f"SELECT DISTINCT ?this WHERE {{ {t.focus} "
                   f"FILTER NOT EXISTS {{ ?this {t.path} {sparql_term(value)} }} }}"), None


def _unique_lang(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    a = cx.var()
    yield (f"SELECT DISTINCT ?this WHERE {{ {t.values} ?this {t.path} {a} . "
           f"FILTER (isLiteral(?value) && isLiteral({a}) && !sameTerm(?value, {a}) "
           f"&& lang(?value) != \"\" && LCASE(lang(?value)) = LCASE(lang({a}))) }}"), None


def _pairs(param: URIRef, kind: str) -> FocusBuilder:
    """sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals: the values against those of another property."""
    def build(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
        for other in cx.g.objects(shape, param):
            o = sparql_term(other)
            # The values of the shape: along its path, or the focus node itself for a node shape.
            mine = f"?this {t.path} ?value ." if t.path else "BIND (?this AS ?value)"
            is_mine = f"?this {t.path} ?value" if t.path else "FILTER (sameTerm(?this, ?value))"
            if kind == "equals":
                yield (f"SELECT DISTINCT ?this ?value WHERE {{ "
                       f"{{ {t.focus} {mine} FILTER NOT EXISTS {{ ?this {o} ?value }} }} "
                       f"UNION {{ {t.focus} ?this {o} ?value . FILTER NOT EXISTS {{ {is_mine} }} }} }}"), None
            elif kind == "disjoint":
                yield f"SELECT DISTINCT ?this ?value WHERE {{ {t.focus} {mine} ?this {o} ?value . }}", None
            else:
                if t.path is None:
                    raise Unsupported(f"sh:{kind} on a node shape")
                w, op = cx.var(), "<" if kind == "lessThan" else "<="
                yield (f"SELECT DISTINCT ?this ?value WHERE {{ {t.values} ?this {o} {w} . "
                       f"FILTER (!COALESCE(?value {op} {w}, false)) }}"), None
    return build


def _allowed_predicates(cx: _Compiler, shape: Node) -> str:
    """An expression true when ``?p`` is a predicate the closed ``shape`` allows."""
    allowed = [p for prop in cx.g.objects(shape, SH.property) for p in cx.g.objects(prop, SH.path)
               if isinstance(p, URIRef)]
    for ignored in cx.g.objects(shape, SH.ignoredProperties):
        allowed += [p for p in cx.items(ignored) if isinstance(p, URIRef)]
    return "(" + (" || ".join(f"{{p}} = {sparql_term(p)}" for p in dict.fromkeys(allowed)) or "false") + ")"


def _closed(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
    if t.path is not None:
        raise Unsupported("sh:closed on a property shape")
    if cx.entailment == "rdfs":  # a closed shape sees every triple, and our closure is not owlrl's
        raise Unsupported("sh:closed over RDFS-entailed data")
    allowed = _allowed_predicates(cx, shape).format(p="?path")
    yield f"SELECT DISTINCT ?this ?path ?value WHERE {{ {t.focus} ?this ?path ?value FILTER (!{allowed}) }}", None


def _closed_node(cx: _Compiler, shape: Node, v: str, stack: tuple) -> Iterator[str]:
    if cx.g.value(shape, SH.path) is not None or cx.entailment == "rdfs":
        raise Unsupported("sh:closed on a property shape, or over RDFS-entailed data")
    p, o = cx.var(), cx.var()
    yield f"EXISTS {{ {v} {p} {o} . FILTER (!{_allowed_predicates(cx, shape).format(p=p)}) }}"


def _qualified(kind: str) -> FocusBuilder:
    def build(cx: _Compiler, shape: Node, t: _Target) -> Iterator[tuple[str, URIRef | None]]:
        if t.path is None:
            raise Unsupported("qualified counts on a node shape")
        disjoint = _is_true(cx.g.value(shape, SH.qualifiedValueShapesDisjoint))
        for qualified in cx.g.objects(shape, SH.qualifiedValueShape):
            conforms = f"!{cx.violated(qualified, '?value', (shape,))}"
            if disjoint:  # values that also conform to a sibling's qualified shape do not count
                for sibling in cx.siblings_qualified(shape):
                    conforms += f" && {cx.violated(sibling, '?value', (shape,))}"
            if kind == "min":
                for low in cx.g.objects(shape, SH.qualifiedMinCount):
                    yield (f"SELECT ?this WHERE {{ {t.focus} "
                           f"OPTIONAL {{ ?this {t.path} ?value . FILTER ({conforms}) }} }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})"), None
            else:
                for high in cx.g.objects(shape, SH.qualifiedMaxCount):
                    yield (f"SELECT ?this WHERE {{ {t.values} FILTER ({conforms}) }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(high)})"), None
    return build


# nested counts -------------------------------------------------------------------------------

def _nested_min(cx: _Compiler, shape: Node, v: str, path: str, stack: tuple) -> Iterator[str]:
    for low in cx.g.objects(shape, SH.minCount):
        if int(low) > 0:
            pattern, _ = _distinct(cx, v, path, int(low))
            yield f"NOT EXISTS {{ {pattern} }}"


def _nested_max(cx: _Compiler, shape: Node, v: str, path: str, stack: tuple) -> Iterator[str]:
    for high in cx.g.objects(shape, SH.maxCount):
        pattern, _ = _distinct(cx, v, path, int(high) + 1)
        yield f"EXISTS {{ {pattern} }}"


def _nested_has_value(cx: _Compiler, shape: Node, v: str, path: str, stack: tuple) -> Iterator[str]:
    for value in cx.g.objects(shape, SH.hasValue):
        yield f"NOT EXISTS {{ {v} {path} {sparql_term(value)} }}"


def _flag(param: URIRef) -> Callable[[Graph, Node], bool]:
    return lambda g, shape: _is_true(g.value(shape, param))


_RANGES = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<", SH.maxInclusive: "<="}

#: Every constraint component of SHACL Core this compiler knows, by the forms it builds.
COMPONENTS: tuple[Component, ...] = (
    Component("Class", (SH["class"],), value=_class),
    Component("Datatype", (SH.datatype,), focus=_datatype, value=_string_datatype),
    Component("NodeKind", (SH.nodeKind,), value=_node_kind),
    Component("MinCount", (SH.minCount,), focus=_min_count, nested=_nested_min),
    Component("MaxCount", (SH.maxCount,), focus=_max_count, nested=_nested_max),
    *(Component(str(p).rsplit("#", 1)[-1][0].upper() + str(p).rsplit("#", 1)[-1][1:], (p,), value=_range(p, op))
      for p, op in _RANGES.items()),
    Component("MinLength", (SH.minLength,), value=_length(SH.minLength, "<")),
    Component("MaxLength", (SH.maxLength,), value=_length(SH.maxLength, ">")),
    Component("Pattern", (SH.pattern,), (SH.flags,), value=_pattern),
    Component("LanguageIn", (SH.languageIn,), value=_language_in),
    Component("UniqueLang", (SH.uniqueLang,), focus=_unique_lang, applies=_flag(SH.uniqueLang)),
    Component("Equals", (SH.equals,), focus=_pairs(SH.equals, "equals")),
    Component("Disjoint", (SH.disjoint,), focus=_pairs(SH.disjoint, "disjoint")),
    Component("LessThan", (SH.lessThan,), focus=_pairs(SH.lessThan, "lessThan")),
    Component("LessThanOrEquals", (SH.lessThanOrEquals,), focus=_pairs(SH.lessThanOrEquals, "lessThanOrEquals")),
    Component("Not", (SH["not"],), value=_not),
    Component("And", (SH["and"],), value=_and),
    Component("Or", (SH["or"],), value=_or),
    Component("Xone", (SH.xone,), value=_xone),
    Component("Node", (SH.node,), value=_node),
    Component("QualifiedMinCount", (SH.qualifiedValueShape, SH.qualifiedMinCount),
              (SH.qualifiedValueShapesDisjoint,), focus=_qualified("min")),
    Component("QualifiedMaxCount", (SH.qualifiedValueShape, SH.qualifiedMaxCount),
              (SH.qualifiedValueShapesDisjoint,), focus=_qualified("max")),
    Component("Closed", (SH.closed,), (SH.ignoredProperties,), focus=_closed, value=_closed_node,
              applies=_flag(SH.closed)),
    Component("HasValue", (SH.hasValue,), focus=_has_value, value=_has_value_at_node, nested=_nested_has_value),
    Component("In", (SH["in"],), value=_in),
)
#: Every parameter some component reads: a shape with any other ``sh:`` predicate goes to pyshacl.
KNOWN = _STRUCTURE | {p for c in COMPONENTS for p in c.parameters}


# --- the compiler ----------------------------------------------------------------------------

def _is_shape(g: Graph, node: Node) -> bool:
    return ((node, RDF.type, SH.NodeShape) in g or (node, RDF.type, SH.PropertyShape) in g
            or any((node, p, None) in g for p in (SH.path, SH.property, *KNOWN - _STRUCTURE)))


def target_shapes(g: Graph) -> list[Node]:
    """Every shape with a target: explicit targets, and implicit class targets (a shape that is a class)."""
    explicit = {s for p in TARGETS for s in g.subjects(p, None)}
    implicit = {s for cls in (RDFS.Class, OWL.Class) for s in g.subjects(RDF.type, cls) if _is_shape(g, s)}
    return sorted(explicit | implicit, key=lambda n: (isinstance(n, BNode), str(n)))


def custom_parameters(g: Graph) -> dict[Node, Node]:
    """Parameter path -> the SPARQL-based constraint component declaring it (routed to pyshacl)."""
    out = {}
    for component, parameter in g.subject_objects(SH.parameter):
        path = g.value(parameter, SH.path)
        if path is not None:
            out[path] = component
    return out


def constraints_of(g: Graph, shape: Node, custom: dict[Node, Node]) -> list[Node]:
    """The components (and SPARQL constraints, as sh:SPARQLConstraintComponent) ``shape`` declares."""
    found = [c.iri for c in COMPONENTS if c.on(g, shape)]
    found += [SH.SPARQLConstraintComponent for c in g.objects(shape, SH.sparql)
              if not _is_true(g.value(c, SH.deactivated))]
    found += sorted({custom[p] for p in g.predicates(shape) if p in custom}, key=str)
    return found


class _Compiler:
    def __init__(self, shapes: Graph, entailment: str) -> None:
        self.g = shapes
        self.entailment = entailment
        self.type_path = f"<{RDF.type}>" if entailment == "rdfs" else f"<{RDF.type}>/<{RDFS.subClassOf}>*"
        self.prefixes: dict[str, str] = {}  # of the shape being compiled
        self.custom = custom_parameters(shapes)
        self._fresh = count()

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    # --- shapes graph helpers ---------------------------------------------------------------

    def active(self, shape: Node) -> bool:
        return not _is_true(self.g.value(shape, SH.deactivated))

    def messages(self, shape: Node, component: Node) -> tuple[Literal, ...]:
        found = tuple(m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal))
        name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        return found or (Literal(f"Value does not satisfy the {name} constraint of the shape", lang="en"),)

    def severity(self, shape: Node) -> URIRef:
        sev = self.g.value(shape, SH.severity)
        return sev if isinstance(sev, URIRef) else SH.Violation

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def siblings_qualified(self, shape: Node) -> list[Node]:
        """The qualified value shapes of the other property shapes of the node shapes ``shape`` belongs to."""
        out = []
        for parent in self.g.subjects(SH.property, shape):
            for sibling in self.g.objects(parent, SH.property):
                if sibling != shape:
                    out += list(self.g.objects(sibling, SH.qualifiedValueShape))
        return out

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path (:mod:`exo_onto.shacl.paths`)."""
        try:
            return paths.to_sparql(paths.parse(node, self.g))
        except paths.NotAPath as exc:
            raise Unsupported(str(exc)) from None

    def nest(self, text: str) -> str:
        """A SELECT without its PREFIX lines (kept for the outer query), ready to nest in another."""
        for m in _PREFIX_LINE.finditer(text):
            self.declare(m.group(1) or "", m.group(2))
        body = _PREFIX_LINE.sub("", text).strip()
        if re.search(r"^\s*(BASE|PREFIX)\b", body, re.IGNORECASE | re.MULTILINE):
            raise Unsupported("BASE or PREFIX inside a SPARQL query body")
        return body

    def declare(self, name: str, iri: str) -> None:
        if self.prefixes.setdefault(name, iri) != iri:
            raise Unsupported(f"prefix {name}: bound to two namespaces")

    def declared_prefixes(self, node: Node) -> None:
        """The ``sh:declare`` of every ``sh:prefixes`` value of ``node``, and of the ontologies they import."""
        seen, todo = set(), list(self.g.objects(node, SH.prefixes))
        while todo:
            ontology = todo.pop()
            if ontology in seen:
                continue
            seen.add(ontology)
            for decl in self.g.objects(ontology, SH.declare):
                prefix, namespace = self.g.value(decl, SH.prefix), self.g.value(decl, SH.namespace)
                if prefix is None or namespace is None:
                    raise Unsupported(f"sh:declare without sh:prefix or sh:namespace on {ontology}")
                self.declare(str(prefix), str(namespace))
            todo += list(self.g.objects(ontology, OWL.imports))

    def finish(self, query: str) -> str:
        """``query`` with every prefix it needs declared."""
        return "".join(f"PREFIX {k}: <{v}>\n" for k, v in sorted(self.prefixes.items())) + query

    # --- targets -------------------------------------------------------------------------------

    def focus(self, shape: Node) -> str:
        """A group pattern binding ``?this`` to every focus node of ``shape`` (possibly repeated)."""
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            parts.append(f"?this {self.type_path} {sparql_term(cls)} .")
        if any((shape, RDF.type, cls) in self.g for cls in (RDFS.Class, OWL.Class)):
            parts.append(f"?this {self.type_path} {sparql_term(shape)} .")
        nodes = [sparql_term(n) for n in self.g.objects(shape, SH.targetNode)]
        if nodes:
            parts.append("VALUES ?this { " + " ".join(nodes) + " }")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"?this {sparql_term(p)} {self.var()} .")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{self.var()} {sparql_term(p)} ?this .")
        for target in self.g.objects(shape, SH.target):
            select = self.g.value(target, SH.select)
            if select is None or (target, RDF.type, SH.SPARQLTarget) not in self.g:
                raise Unsupported(f"target {target} is not a SPARQL target")
            self.declared_prefixes(target)
            parts.append("{ " + self.nest(str(select)) + " }")
        return "{ " + " } UNION { ".join(parts) + " }"

    # --- checking what a shape uses ---------------------------------------------------------

    def check_known(self, shape: Node) -> None:
        unknown = {p for p in self.g.predicates(shape) if (str(p).startswith(str(SH)) and p not in KNOWN)
                   or p in self.custom}
        if unknown:
            raise Unsupported(f"{shape} uses {', '.join(sorted(str(u) for u in unknown))}")

    def violated(self, shape: Node, v: str, stack: tuple[Node, ...]) -> str:
        """A SPARQL expression true when the node ``v`` does not conform to ``shape``."""
        if shape in stack:
            raise Unsupported(f"recursive shape {shape}")
        if not self.active(shape):
            return "false"
        stack = (*stack, shape)
        self.check_known(shape)
        if (shape, SH.sparql, None) in self.g:
            raise Unsupported(f"SPARQL constraint inside a nested shape {shape}")
        path_node = self.g.value(shape, SH.path)
        if path_node is not None:
            tests = self.nested_property(shape, v, stack)
        else:
            tests = []
            for c in COMPONENTS:
                if c.on(self.g, shape):
                    if c.value is None:
                        raise Unsupported(f"sh:{c.name} on a nested node shape")
                    tests += c.value(self, shape, v, stack)
            for prop in self.g.objects(shape, SH.property):
                if self.active(prop):
                    self.check_known(prop)
                    tests += self.nested_property(prop, v, (*stack, prop))
        return "(" + " || ".join(tests or ["false"]) + ")"

    def nested_property(self, prop: Node, v: str, stack: tuple[Node, ...]) -> list[str]:
        """Expressions true when the node ``v`` breaks the property shape ``prop``."""
        if (prop, SH.sparql, None) in self.g:
            raise Unsupported(f"SPARQL constraint inside a nested shape {prop}")
        path = self.path(self.g.value(prop, SH.path))
        tests = []
        for c in COMPONENTS:
            if not c.on(self.g, prop):
                continue
            if c.nested is not None:
                tests += c.nested(self, prop, v, path, stack)
            elif c.value is not None:
                w = self.var()
                tests += [f"EXISTS {{ {v} {path} {w} . FILTER ({t}) }}" for t in c.value(self, prop, w, stack)]
            else:
                raise Unsupported(f"sh:{c.name} inside a nested shape")
        return tests

    # --- targeted shapes --------------------------------------------------------------------

    def constraint_checks(self, shape: Node, focus: str) -> Iterator[CoreCheck]:
        """The checks of one shape (a node shape reached by its targets, or one of its property shapes)."""
        self.check_known(shape)
        path_node = self.g.value(shape, SH.path)
        target = _Target(focus, self.path(path_node) if path_node is not None else None, path_node)
        severity = self.severity(shape)
        for c in COMPONENTS:
            if not c.on(self.g, shape):
                continue
            messages = self.messages(shape, c.iri)
            if c.focus is not None:
                for query, datatype in c.focus(self, shape, target):
                    yield CoreCheck(shape, c.iri, severity, messages, path_node, query, datatype)
            elif c.value is not None:
                for test in c.value(self, shape, "?this" if target.path is None else "?value", (shape,)):
                    if target.path is None:  # the value of a node shape is the focus node itself
                        query = f"SELECT DISTINCT ?this (?this AS ?value) WHERE {{ {focus} FILTER ({test}) }}"
                    else:
                        query = target.violators("?this ?value", f"?this {target.path} ?value . FILTER ({test})")
                    yield CoreCheck(shape, c.iri, severity, messages, path_node, query)
            else:
                raise Unsupported(f"sh:{c.name}")

    def sparql_checks(self, shape: Node, focus: str) -> Iterator[SparqlCheck]:
        path_node = self.g.value(shape, SH.path)
        for c in self.g.objects(shape, SH.sparql):
            if not self.active(c):
                continue
            select = self.g.value(c, SH.select)
            if select is None:
                raise Unsupported(f"SPARQL constraint {c} without sh:select")
            text = str(select)
            try:
                check_pre_binding(text)
            except IllFormedConstraint as exc:
                raise IllFormedConstraint(f"shape {shape}, constraint {c}: {exc}") from None
            if mentions(text, "shapesGraph"):
                raise IllFormedConstraint(f"shape {shape}, constraint {c}: $shapesGraph is not supported "
                                          "(the shapes graph is not in the store)")
            if mentions(text, "currentShape"):
                text = re.sub(r"[?$]currentShape\b", sparql_term(shape), text)  # raises for a blank node
            if path_node is not None:
                text = text.replace("$PATH", self.path(path_node))
            self.declared_prefixes(c)
            body = self.nest(text)
            messages = tuple(m for m in self.g.objects(c, SH.message) if isinstance(m, Literal)) \
                or self.messages(shape, SH.SPARQLConstraintComponent)
            joined = (f"SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }} "
                      f"{{ {re.sub(r'[$]this', '?this', body)} }} }}") if joinable(body) else None
            yield SparqlCheck(shape, c, self.severity(shape), messages,
                              self.finish(f"SELECT DISTINCT ?this WHERE {{ {focus} }}"), self.finish(body),
                              path_node, self.finish(joined) if joined else None)

    def shape_checks(self, shape: Node, focus: str,
                     stack: tuple[Node, ...]) -> tuple[list[CoreCheck], list[SparqlCheck]]:
        """The checks of ``shape`` on the focus nodes ``focus``, and of its property shapes.

        A node shape's property shapes share its focus nodes; a property shape's own property shapes
        (``sh:property`` on a property shape) take its values as their focus nodes.
        """
        if shape in stack:
            raise Unsupported(f"recursive shape {shape}")
        stack = (*stack, shape)
        core = list(self.constraint_checks(shape, focus))
        sparql = list(self.sparql_checks(shape, focus))
        path_node = self.g.value(shape, SH.path)
        inner = focus
        if path_node is not None:  # the values, renamed ?this
            parent = self.var()
            inner = (f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS {parent}) WHERE {{ {focus} }} }} "
                     f"{parent} {self.path(path_node)} ?this . }} }}")
        for prop in self.g.objects(shape, SH.property):
            if self.active(prop):
                more_core, more_sparql = self.shape_checks(prop, inner, stack)
                core += more_core
                sparql += more_sparql
        return core, sparql

    def targeted(self, shape: Node) -> tuple[list[CoreCheck], list[SparqlCheck]]:
        self.prefixes = {}
        core, sparql = self.shape_checks(shape, self.focus(shape), ())
        core = [CoreCheck(c.shape, c.component, c.severity, c.messages, c.path, self.finish(c.query), c.datatype)
                for c in core]
        return core, sparql

    def constraints(self, root: Node) -> list[tuple[Node, Node]]:
        """(shape, component) for every constraint of ``root`` and of its active property shapes, at any depth."""
        shapes, todo = [], [root]
        while todo:
            shape = todo.pop(0)
            if shape in shapes:
                continue
            shapes.append(shape)
            todo += [p for p in self.g.objects(shape, SH.property) if self.active(p)]
        return [(s, c) for s in shapes for c in constraints_of(self.g, s, self.custom)]


def compile_shapes(shapes: Graph, entailment: str = "rdfs") -> Compiled:
    """Every targeted, active shape as SPARQL checks, or listed in ``left_to_pyshacl``; the plan says which.

    Raises :class:`IllFormedConstraint` for a SPARQL constraint the SHACL standard does not allow.
    """
    compiler = _Compiler(shapes, entailment)
    out = Compiled([], [], [])
    for shape in target_shapes(shapes):
        if not compiler.active(shape):
            continue
        constraints = compiler.constraints(shape)
        try:
            core, sparql = compiler.targeted(shape)
        except Unsupported as exc:
            out.left_to_pyshacl.append(shape)
            out.plan += [PlanEntry(shape, s, c, False, str(exc)) for s, c in constraints]
            continue
        out.core += core
        out.sparql += sparql
        out.plan += [PlanEntry(shape, s, c, True) for s, c in constraints]
    return out
