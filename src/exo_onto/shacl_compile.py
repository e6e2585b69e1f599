"""Compile SHACL shapes to SPARQL queries that find their violations in one pass each.

pyshacl walks every focus node in Python, so the core constraints grow to minutes at a million
triples. Here each constraint of each targeted shape becomes one SPARQL ``SELECT`` over all its
focus nodes, which Oxigraph answers in milliseconds (run by :mod:`exo_onto.shacl_fast`).

What is compiled: targets (``sh:targetClass``, ``sh:targetNode``, ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``, SPARQL targets), property paths, and the core components the project's
shapes use (cardinality, ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:pattern``, ``sh:in``,
``sh:languageIn``, ``sh:uniqueLang``, value ranges, ``sh:hasValue``, ``sh:node``, ``sh:or``,
``sh:and``, ``sh:not``, qualified value shapes) and SHACL-SPARQL constraints (run per focus node, as
the standard says). A targeted shape that uses anything else, or has no ``sh:message`` (pyshacl's
generated messages are not copied), is reported as not compiled and left to pyshacl.

The queries assume the RDFS closure the validation uses is in the store (types of subclass
members, told superclasses), so ``sh:class C`` is ``?v rdf:type C``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .namespaces import SH

__all__ = ["CoreCheck", "SparqlCheck", "Compiled", "compile_shapes"]

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: Predicates of a shape that carry no constraint.
_NOT_CONSTRAINTS = {RDF.type, SH.property, SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order,
                    SH.group, SH.defaultValue, SH.deactivated, RDFS.comment, RDFS.label, RDFS.seeAlso,
                    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, *TARGETS}
_NODE_KINDS = {
    SH.IRI: "!isIRI({v})", SH.BlankNode: "!isBlank({v})", SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})", SH.BlankNodeOrLiteral: "isIRI({v})", SH.IRIOrLiteral: "isBlank({v})",
}
_RANGES = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<", SH.maxInclusive: "<="}
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)


class Unsupported(Exception):
    """The shape uses something this compiler does not translate; pyshacl validates it instead."""


@dataclass(frozen=True)
class CoreCheck:
    """One core constraint of one shape: each row of ``query`` (``?this``, maybe ``?value``) is a result.

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
    """A SHACL-SPARQL constraint of a targeted shape, run once per focus node with ``$this`` bound."""

    shape: URIRef
    constraint: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    focus: str
    select: str
    joined: str | None = None  # the constraint over every focus node at once, when that means the same


@dataclass
class Compiled:
    core: list[CoreCheck]
    sparql: list[SparqlCheck]
    prefixes: dict[str, str]
    left_to_pyshacl: list[Node]


def sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} as a constant")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.prefixes: dict[str, str] = {}
        self._fresh = count()

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    # --- shapes graph helpers ---------------------------------------------------------------

    def active(self, shape: Node) -> bool:
        return self.g.value(shape, SH.deactivated) != Literal(True)

    def messages(self, shape: Node) -> tuple[Literal, ...]:
        found = tuple(m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal))
        if not found:
            raise Unsupported(f"{shape} has no sh:message")
        return found

    def severity(self, shape: Node) -> URIRef:
        sev = self.g.value(shape, SH.severity)
        return sev if isinstance(sev, URIRef) else SH.Violation

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        for pred, fmt in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                          (SH.zeroOrOnePath, "({})?")):
            inner = self.g.value(node, pred)
            if inner is not None:
                return fmt.format(self.path(inner))
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternatives)) + ")"
        raise Unsupported(f"property path {node}")

    def select_body(self, text: str) -> str:
        """A stored SELECT without its PREFIX lines (collected for the outer query), ready to nest."""
        for m in _PREFIX_LINE.finditer(text):
            name, iri = m.group(1) or "", m.group(2)
            if self.prefixes.setdefault(name, iri) != iri:
                raise Unsupported(f"prefix {name}: bound to two namespaces")
        body = _PREFIX_LINE.sub("", text).strip()
        if re.search(r"^\s*(BASE|PREFIX)\b", body, re.IGNORECASE | re.MULTILINE):
            raise Unsupported("BASE or PREFIX inside a SPARQL query body")
        return body

    # --- targets -------------------------------------------------------------------------------

    def focus(self, shape: Node) -> str:
        """A group pattern binding ``?this`` to every focus node of ``shape`` (possibly repeated)."""
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            parts.append(f"?this <{RDF.type}> {sparql_term(cls)} .")
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
            parts.append("{ " + self.select_body(str(select)) + " }")
        if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
            raise Unsupported("implicit class target")
        return "{ " + " } UNION { ".join(parts) + " }"

    # --- value tests -------------------------------------------------------------------------

    def value_tests(self, shape: Node, v: str, stack: tuple[Node, ...]) -> Iterator[tuple[URIRef, str]]:
        """(component, SPARQL expression true when ``v`` breaks it) for each value-wise parameter."""
        g = self.g
        for cls in g.objects(shape, SH["class"]):
            yield SH.ClassConstraintComponent, f"NOT EXISTS {{ {v} <{RDF.type}> {sparql_term(cls)} }}"
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            yield SH.NodeKindConstraintComponent, _NODE_KINDS[kind].format(v=v)
        for pattern in g.objects(shape, SH.pattern):
            flags = g.value(shape, SH.flags)
            args = _string(str(pattern)) + (", " + _string(str(flags)) if flags is not None else "")
            yield SH.PatternConstraintComponent, f"(isBlank({v}) || !REGEX(STR({v}), {args}))"
        for members in g.objects(shape, SH["in"]):
            allowed = " || ".join(f"sameTerm({v}, {sparql_term(m)})" for m in self.items(members)) or "false"
            yield SH.InConstraintComponent, f"!({allowed})"
        for langs in g.objects(shape, SH.languageIn):
            tests = " || ".join(f"langMatches(lang({v}), {_string(str(t))})" for t in self.items(langs)) or "false"
            yield SH.LanguageInConstraintComponent, f"!(isLiteral({v}) && ({tests}))"
        for param, op in _RANGES.items():
            for bound in g.objects(shape, param):
                name = str(param).rsplit("#", 1)[-1]
                yield SH[name[0].upper() + name[1:] + "ConstraintComponent"], \
                    f"!COALESCE({v} {op} {sparql_term(bound)}, false)"
        for param, op in ((SH.minLength, "<"), (SH.maxLength, ">")):
            for bound in g.objects(shape, param):
                name = str(param).rsplit("#", 1)[-1]
                yield SH[name[0].upper() + name[1:] + "ConstraintComponent"], \
                    f"(isBlank({v}) || STRLEN(STR({v})) {op} {int(bound)})"
        for node in g.objects(shape, SH.node):
            yield SH.NodeConstraintComponent, self.violated(node, v, stack)
        for members in g.objects(shape, SH["or"]):
            tests = [self.violated(s, v, stack) for s in self.items(members)]
            yield SH.OrConstraintComponent, "(" + " && ".join(tests or ["true"]) + ")"
        for members in g.objects(shape, SH["and"]):
            tests = [self.violated(s, v, stack) for s in self.items(members)]
            yield SH.AndConstraintComponent, "(" + " || ".join(tests or ["false"]) + ")"
        for other in g.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, f"!{self.violated(other, v, stack)}"

    def check_known(self, shape: Node, nested: bool) -> None:
        known = _NOT_CONSTRAINTS | {SH["class"], SH.nodeKind, SH.pattern, SH.flags, SH["in"], SH.languageIn,
                                    SH.minLength, SH.maxLength, SH.node, SH["or"], SH["and"], SH["not"],
                                    SH.minCount, SH.maxCount, SH.hasValue, *_RANGES}
        if not nested:
            known |= {SH.datatype, SH.uniqueLang, SH.qualifiedValueShape, SH.sparql}
        unknown = set(self.g.predicates(shape)) - known
        if unknown:
            raise Unsupported(f"{shape} uses {', '.join(sorted(str(u) for u in unknown))}")

    def violated(self, shape: Node, v: str, stack: tuple[Node, ...]) -> str:
        """A SPARQL expression true when the node ``v`` does not conform to ``shape``."""
        if shape in stack:
            raise Unsupported(f"recursive shape {shape}")
        if not self.active(shape):
            return "false"
        stack = (*stack, shape)
        self.check_known(shape, nested=True)
        if self.g.value(shape, SH.path) is not None:
            raise Unsupported(f"property shape {shape} used as a node shape")
        tests = [t for _, t in self.value_tests(shape, v, stack)]
        for prop in self.g.objects(shape, SH.property):
            if not self.active(prop):
                continue
            self.check_known(prop, nested=True)
            path = self.path(self.g.value(prop, SH.path))
            w = self.var()
            tests += [f"EXISTS {{ {v} {path} {w} . FILTER ({t}) }}" for _, t in self.value_tests(prop, w, stack)]
            for low in self.g.objects(prop, SH.minCount):
                if int(low) > 1:
                    raise Unsupported("sh:minCount above 1 inside a nested shape")
                if int(low) == 1:
                    tests.append(f"NOT EXISTS {{ {v} {path} {self.var()} }}")
            for high in self.g.objects(prop, SH.maxCount):
                a, b = self.var(), self.var()
                if int(high) == 0:
                    tests.append(f"EXISTS {{ {v} {path} {a} }}")
                elif int(high) == 1:
                    tests.append(f"EXISTS {{ {v} {path} {a} . {v} {path} {b} . FILTER (!sameTerm({a}, {b})) }}")
                else:
                    raise Unsupported("sh:maxCount above 1 inside a nested shape")
            for value in self.g.objects(prop, SH.hasValue):
                tests.append(f"NOT EXISTS {{ {v} {path} {sparql_term(value)} }}")
        return "(" + " || ".join(tests or ["false"]) + ")"

    # --- targeted shapes --------------------------------------------------------------------

    def constraint_checks(self, shape: Node, focus: str) -> Iterator[CoreCheck]:
        """The checks of one shape (a node shape reached by its targets, or one of its property shapes)."""
        self.check_known(shape, nested=False)
        path_node = self.g.value(shape, SH.path)
        messages, severity = None, self.severity(shape)

        def check(component: URIRef, query: str, datatype: URIRef | None = None) -> CoreCheck:
            nonlocal messages
            messages = messages or self.messages(shape)
            return CoreCheck(shape, component, severity, messages, path_node, query, datatype)

        if path_node is None:  # a node shape: its value is the focus node itself
            for component, test in self.value_tests(shape, "?this", (shape,)):
                yield check(component, f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER ({test}) }}")
            for param in (SH.datatype, SH.uniqueLang, SH.qualifiedValueShape, SH.minCount, SH.maxCount, SH.hasValue):
                if (shape, param, None) in self.g:
                    raise Unsupported(f"{param} on node shape {shape}")
            return
        path = self.path(path_node)
        values = f"{focus} ?this {path} ?value ."
        for component, test in self.value_tests(shape, "?value", (shape,)):
            yield check(component, f"SELECT DISTINCT ?this ?value WHERE {{ {values} FILTER ({test}) }}")
        for dtype in self.g.objects(shape, SH.datatype):
            if not isinstance(path_node, URIRef):
                raise Unsupported("sh:datatype on a complex path (literals as written are kept per predicate)")
            keep = f" FILTER (!(isLiteral(?value) && datatype(?value) = <{dtype}>))" \
                if str(dtype) in (str(XSD.string), str(RDF.langString)) else ""
            yield check(SH.DatatypeConstraintComponent,
                        f"SELECT DISTINCT ?this ?value WHERE {{ {values}{keep} }}", dtype)
        for low in self.g.objects(shape, SH.minCount):
            yield check(SH.MinCountConstraintComponent,
                        f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})")
        for high in self.g.objects(shape, SH.maxCount):
            yield check(SH.MaxCountConstraintComponent,
                        f"SELECT ?this WHERE {{ {values} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(high)})")
        for value in self.g.objects(shape, SH.hasValue):
            yield check(SH.HasValueConstraintComponent, f"SELECT DISTINCT ?this WHERE {{ {focus} "
                        f"FILTER NOT EXISTS {{ ?this {path} {sparql_term(value)} }} }}")
        if self.g.value(shape, SH.uniqueLang) == Literal(True):
            a = self.var()
            yield check(SH.UniqueLangConstraintComponent,
                        f"SELECT DISTINCT ?this ?lang WHERE {{ {values} ?this {path} {a} . "
                        f"FILTER (isLiteral(?value) && isLiteral({a}) && !sameTerm(?value, {a}) "
                        f"&& lang(?value) != \"\" && LCASE(lang(?value)) = LCASE(lang({a}))) "
                        f"BIND (LCASE(lang(?value)) AS ?lang) }}")
        for qualified in self.g.objects(shape, SH.qualifiedValueShape):
            if self.g.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
                raise Unsupported("sh:qualifiedValueShapesDisjoint")
            conforms = f"!{self.violated(qualified, '?value', (shape,))}"
            for low in self.g.objects(shape, SH.qualifiedMinCount):
                yield check(SH.QualifiedMinCountConstraintComponent,
                            f"SELECT ?this WHERE {{ {focus} "
                            f"OPTIONAL {{ ?this {path} ?value . FILTER ({conforms}) }} }} "
                            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(low)})")
            for high in self.g.objects(shape, SH.qualifiedMaxCount):
                yield check(SH.QualifiedMaxCountConstraintComponent,
                            f"SELECT ?this WHERE {{ {values} FILTER ({conforms}) }} "
                            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(high)})")

    def sparql_checks(self, shape: Node, focus: str) -> Iterator[SparqlCheck]:
        for c in self.g.objects(shape, SH.sparql):
            if not isinstance(shape, URIRef) or not isinstance(c, URIRef):
                raise Unsupported("SPARQL constraints of blank-node shapes")
            if not self.active(c):
                continue
            select = self.g.value(c, SH.select)
            if select is None or (c, SH.prefixes, None) in self.g:
                raise Unsupported(f"SPARQL constraint {c} without sh:select or with sh:prefixes")
            messages = tuple(m for m in self.g.objects(c, SH.message) if isinstance(m, Literal)) \
                or self.messages(shape)
            yield SparqlCheck(shape, c, self.severity(shape), messages, focus, str(select),
                              self.joined(str(select), focus))

    def joined(self, select: str, focus: str) -> str | None:
        """The constraint joined with the focus nodes instead of run once per node with ``$this`` pre-bound.

        The two agree when ``$this`` is bound by a triple pattern of the query's own group and is not
        used inside a subquery, MINUS or VALUES; any other query is run per focus node.
        """
        body = self.select_body(select)
        if len(re.findall(r"\bSELECT\b", body, re.IGNORECASE)) != 1 \
                or re.search(r"\b(MINUS|VALUES|SERVICE|GRAPH)\b", body, re.IGNORECASE) \
                or not re.search(r"\$this\b", body.split("{", 1)[0]) \
                or not re.search(r"(^|[\s{.;])\$this\s+(a\s|<|\?|[A-Za-z][\w.-]*:)|[\s,]\$this\s*[.;,]", body):
            return None
        body = body.replace("$this", "?this")
        return f"SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }} {{ {body} }} }}"

    def targeted(self, shape: Node) -> tuple[list[CoreCheck], list[SparqlCheck]]:
        focus = self.focus(shape)
        core = list(self.constraint_checks(shape, focus))
        for prop in self.g.objects(shape, SH.property):
            if self.active(prop):
                core += self.constraint_checks(prop, focus)
        return core, list(self.sparql_checks(shape, focus))


def compile_shapes(shapes: Graph) -> Compiled:
    """Every targeted, active shape as SPARQL checks, or listed in ``left_to_pyshacl``."""
    compiler = _Compiler(shapes)
    out = Compiled([], [], compiler.prefixes, [])
    targeted = {s for p in TARGETS for s in shapes.subjects(p, None)}
    for shape in sorted(targeted, key=lambda n: (isinstance(n, BNode), str(n))):
        if not compiler.active(shape):
            continue
        try:
            core, sparql = compiler.targeted(shape)
        except Unsupported:
            out.left_to_pyshacl.append(shape)
            continue
        out.core += core
        out.sparql += sparql
    return out
