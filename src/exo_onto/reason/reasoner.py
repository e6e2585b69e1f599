"""Reasoning: HermiT through owlready2 (needs Java), else an OWL 2 RL closure with owlrl.

owlready2 does not read Turtle, so the graph is handed over as N-Triples made by rdflib.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import sys
from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS

from exo_onto.io.memory import give_back_memory
from exo_onto.terms.convert import ox_to_rdflib

HERMIT = "HermiT"
OWLRL = "OWL 2 RL (owlrl)"


@dataclass
class ReasonerReport:
    """What the reasoner concluded about the graph."""

    reasoner: str
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    #: (class IRI, inferred direct superclass IRI) pairs, named classes only.
    inferred_superclasses: list[tuple[str, str]] = field(default_factory=list)
    #: (individual IRI, inferred class IRI) pairs not asserted in the input.
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    errors: list[str] = field(default_factory=list)
    #: False when the reasoner could not run at all (no room for its files, a graph it cannot read).
    ran: bool = True

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and not self.errors


def find_java() -> str | None:
    """The Java executable HermiT will use: ``$EXO_ONTO_JAVA`` if set, else ``java`` on PATH."""
    configured = os.environ.get("EXO_ONTO_JAVA")
    if configured is not None:
        return configured if configured and os.access(configured, os.X_OK) else None
    return shutil.which("java")


def reason(graph: Graph, java: str | None = None, use_hermit: bool = True) -> ReasonerReport:
    """Check consistency and coherence; HermiT when Java is found, otherwise OWL 2 RL."""
    java = java or find_java()
    if use_hermit and java:
        report = _hermit(graph, java)
        if not report.consistent and not report.errors:
            # HermiT gives no explanation; OWL 2 RL usually names the clashing axiom and node.
            report.errors = [f"OWL 2 RL explanation: {m}" for m in _explanation(graph)]
        return report
    note = "Java not found: ran an OWL 2 RL check (owlrl) instead of HermiT" if use_hermit else ""
    report = _owlrl(graph)
    report.note = note
    return report


def _hermit(graph: Graph, java: str) -> ReasonerReport:
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, ThingClass

    ill_typed = _ill_typed(graph)
    if ill_typed:  # OWL: an ill-typed literal makes the ontology inconsistent (and owlready2 cannot read it)
        return ReasonerReport(HERMIT, consistent=False, errors=ill_typed)
    owlready2.JAVA_EXE = java
    # HermiT runs for seconds: a JVM that compiles with C1 only and collects with one thread spends half
    # the CPU for the same answer (owlready2 passes these keyword arguments to its subprocess call). A
    # user's own JDK_JAVA_OPTIONS come after ours, so theirs win.
    mine = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    theirs = os.environ.get("JDK_JAVA_OPTIONS", "")
    owlready2.reasoning._subprocess_kargs["env"] = {**os.environ, "JDK_JAVA_OPTIONS": f"{mine} {theirs}".strip()}
    world = owlready2.World()
    onto = world.get_ontology("https://w3id.org/exo-onto/_reasoning.owl")
    # The merged graph already holds every imported file; owlready2 would try to download imports.
    local = Graph()
    for t in graph:
        if t[1] != OWL.imports:
            local.add(t)
    try:
        onto.load(fileobj=io.BytesIO(local.serialize(format="nt", encoding="utf-8")), format="ntriples")
    except Exception as exc:  # owlready2's parser errors, or no room for its temporary files
        world.close()
        return ReasonerReport(HERMIT, consistent=False, errors=[f"HermiT could not read the graph: {_line(exc)}"],
                              ran=False)
    asserted = {(c.iri, p.iri) for c in world.classes() for p in c.is_a if isinstance(p, ThingClass)}
    asserted_types = {(i.iri, c.iri) for i in world.individuals() for c in i.is_a if isinstance(c, ThingClass)}
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError:
        return ReasonerReport(HERMIT, consistent=False)
    except OwlReadyJavaError as exc:
        return ReasonerReport(HERMIT, consistent=False, errors=[f"HermiT failed: {_line(exc)}"])
    except OSError:  # no room for HermiT's temporary file: the caller says so (check: 'could not run')
        _drop_temporary_files()
        raise
    nothing = owlready2.Nothing
    unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not nothing)
    inferred = sorted(
        (c.iri, p.iri)
        for c in world.classes()
        for p in c.is_a
        if isinstance(p, ThingClass) and p is not owlready2.Thing and (c.iri, p.iri) not in asserted
    )
    types = sorted(
        (i.iri, c.iri)
        for i in world.individuals()
        for c in i.is_a
        if isinstance(c, ThingClass) and c is not owlready2.Thing and (i.iri, c.iri) not in asserted_types
    )
    world.close()
    return ReasonerReport(
        HERMIT, consistent=True, unsatisfiable=unsat, inferred_superclasses=inferred, inferred_types=types
    )


def _drop_temporary_files() -> None:
    """Close owlready2's abandoned temporary files now: on a full disk their flush at exit would fail again
    and print a traceback that nobody can act on."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _args: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _line(exc: BaseException, limit: int = 500) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"


def _ill_typed(graph: Graph) -> list[str]:
    """One line per literal whose text is not a value of its datatype ("abc"^^xsd:integer)."""
    return sorted(f"{s.n3()} {p.n3()} {o.n3()}: not a valid {o.datatype} (an ill-typed literal makes the "
                  "ontology inconsistent)"
                  for s, p, o in graph if isinstance(o, Literal) and getattr(o, "ill_typed", None) is True)


def _explanation(graph: Graph) -> list[str]:
    """Why ``graph`` is inconsistent: the ABox rules on Oxigraph first (an individual in disjoint classes, two
    values of a functional property: 0.1 s on the project), owlrl's whole closure when they find nothing
    (4.5 s on the project; it knows every OWL 2 RL rule)."""
    from exo_onto.io.load import store_from_graph

    return _abox_clashes(store_from_graph(graph), []) or _owlrl(graph).errors


def _owlrl(graph: Graph) -> ReasonerReport:
    import owlrl

    # A store without named-graph bookkeeping: owlrl asks it about two million triples on the project's
    # graph, and the context-aware default store spent a fifth of the time on contexts nobody reads.
    work = Graph(store="SimpleMemory")
    for t in graph:
        work.add(t)
    closure = owlrl.DeductiveClosure(owlrl.OWLRL_Semantics)
    closure.expand(work)
    errns = owlrl.Namespaces.ERRNS
    errors = sorted(
        str(msg)
        for node in work.subjects(RDF.type, errns.ErrorMessage)
        for msg in work.objects(node, errns.error)
    )
    unsat = sorted(
        str(c) for c in work.subjects(OWL.equivalentClass, OWL.Nothing) if c != OWL.Nothing
    )
    return ReasonerReport(OWLRL, consistent=not errors, unsatisfiable=unsat, errors=errors)


# --- graphs too large for HermiT over the ABox -------------------------------------------------

#: Above this many triples, ``auto`` reasoning classifies the TBox with HermiT and checks the ABox with
#: OWL 2 RL rules on Oxigraph. HermiT over everything grows faster than the graph: 3.2 s on the project
#: (8,017 triples), 8.5 s at 17,651, 16 s at 27,285, 50 s at 51,370; the TBox and the rules take about 1 s
#: at each of these sizes. The project's own graph, with room to grow, keeps the complete reasoning.
FULL_REASONING_MAX_TRIPLES = 20_000
REASONED = "urn:x-exo-onto:reasoned"
_RL_PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
#: Subjects whose triples are TBox: declared classes, properties, class expressions and the ontology
#: header, and whatever states a class or property axiom. Untyped instance data is never TBox.
_TBOX_SUBJECTS = _RL_PREFIXES + """SELECT DISTINCT ?s WHERE {
    { VALUES ?kind { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                     rdf:Property owl:Ontology owl:Restriction owl:AllDisjointClasses owl:AllDisjointProperties
                     rdfs:Datatype owl:FunctionalProperty owl:InverseFunctionalProperty owl:TransitiveProperty
                     owl:SymmetricProperty owl:AsymmetricProperty owl:ReflexiveProperty owl:IrreflexiveProperty }
      ?s a ?kind }
    UNION { VALUES ?axiom { rdfs:subClassOf owl:equivalentClass owl:disjointWith rdfs:subPropertyOf rdfs:domain
                            rdfs:range owl:inverseOf owl:propertyChainAxiom owl:equivalentProperty
                            owl:propertyDisjointWith owl:disjointUnionOf owl:hasKey }
            ?s ?axiom ?o }
}"""


def tbox_graph(loaded) -> Graph:
    """The TBox of a loaded store: every triple of a class, property, axiom or the ontology header, and of
    the blank nodes (class expressions, lists) they reach. Instance data, typed or not, stays out."""
    import pyoxigraph as ox

    store, default = loaded.store, ox.DefaultGraph()
    todo = [r["s"] for r in store.query(_TBOX_SUBJECTS)]
    seen, tbox = set(todo), Graph()
    while todo:
        subject = todo.pop()
        for q in store.quads_for_pattern(subject, None, None, default):
            value = loaded.as_written(q.subject, q.predicate, q.object)
            tbox.add((ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(value)))
            if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                seen.add(q.object)
                todo.append(q.object)
    return tbox


#: cax-dw / cax-adc: the pairs of disjoint classes, each once.
_PAIRS = """{ SELECT DISTINCT ?c ?d WHERE {
        { ?c owl:disjointWith ?d } UNION { ?d owl:disjointWith ?c }
        UNION { ?axiom a owl:AllDisjointClasses ; owl:members ?list .
                ?list rdf:rest*/rdf:first ?c . ?list rdf:rest*/rdf:first ?d . FILTER (?c != ?d) }
        FILTER (STR(?c) < STR(?d))
    } }"""
#: Each class and every class above it (``+``: ``rdfs:subClassOf*`` with both ends open also pairs every
#: node of the graph with itself, which is what made the former query slow).
_BELOW_ANY = _RL_PREFIXES + "SELECT DISTINCT ?t ?m WHERE { ?t rdfs:subClassOf+ ?m }"
_BELOW = "urn:x-exo-onto:at-or-below"
#: An individual with a type at or below each class of a disjoint pair. The pairs come first, then each
#: pair's instances on one side, then their types: ordered so, not joining every instance of one side with
#: every instance of the other (x223: 22.5 s, then 2.7 s). Walking ``rdfs:subClassOf*`` here, for every type
#: of every instance, took 20 s and 1.2 GB at x1000; the classes below each side now come from the scratch
#: graph, found once (:func:`_abox_clashes`).
_DISJOINT = _RL_PREFIXES + f"""SELECT DISTINCT ?x ?c ?d WHERE {{
    {_PAIRS}
    ?t1 <{_BELOW}> ?c . ?x a ?t1 .
    ?x a ?t2 . ?t2 <{_BELOW}> ?d .
}} ORDER BY ?x ?c ?d"""
#: Two different values of a functional datatype property (OWL 2 RL prp-fp on data values).
_FUNCTIONAL = _RL_PREFIXES + """SELECT DISTINCT ?x ?p WHERE {
    ?p a owl:FunctionalProperty , owl:DatatypeProperty .
    ?x ?p ?v1 . ?x ?p ?v2 .
    FILTER (?v1 != ?v2)
} ORDER BY ?x ?p"""


def _abox_clashes(loaded, superclasses: list[tuple[str, str]]) -> list[str]:
    """OWL 2 RL inconsistencies of the ABox, with the TBox hierarchy HermiT inferred (and domains and ranges)."""
    import pyoxigraph as ox

    store, graph = loaded.store, ox.NamedNode(REASONED)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.bulk_extend(ox.Quad(ox.NamedNode(c), ox.NamedNode(str(RDFS.subClassOf)), ox.NamedNode(d), graph)
                      for c, d in superclasses)
    # Distinct (node, type) pairs first: Oxigraph holds an update's solutions in memory, and a node is
    # typed once per triple it has otherwise.
    store.update(_RL_PREFIXES + f"""INSERT {{ GRAPH <{REASONED}> {{ ?x a ?t }} }}
    WHERE {{ SELECT DISTINCT ?x ?t WHERE {{
        {{ ?x ?p ?y . ?p rdfs:domain ?t . FILTER (isIRI(?t)) }}
        UNION {{ ?y ?p ?x . ?p rdfs:range ?t . FILTER (isIRI(?t) && !isLiteral(?x)) }}
    }} }}""")
    view = [ox.DefaultGraph(), graph]
    below = ox.NamedNode(_BELOW)
    members = {m for r in store.query(_RL_PREFIXES + "SELECT ?c ?d WHERE " + _PAIRS, default_graph=view)
               for m in (r["c"], r["d"])}
    store.bulk_extend([ox.Quad(m, below, m, graph) for m in members]
                      + [ox.Quad(r["t"], below, r["m"], graph) for r in store.query(_BELOW_ANY, default_graph=view)
                         if r["m"] in members])
    clashes = [f"{r['x'].value} is an instance of the disjoint classes {r['c'].value} and {r['d'].value} "
               "(OWL 2 RL rule cax-dw)" for r in store.query(_DISJOINT, default_graph=view)]
    clashes += [f"{r['x'].value} has two different values of the functional property {r['p'].value} "
                "(OWL 2 RL rule prp-fp)" for r in store.query(_FUNCTIONAL, default_graph=view)]
    store.remove_graph(graph)
    give_back_memory(loaded.triples)
    return clashes


def reason_store(loaded, mode: str = "auto", java: str | None = None) -> ReasonerReport:
    """Reason over a loaded store: ``full`` is :func:`reason` on everything; ``tbox`` classifies the TBox
    with HermiT and checks the ABox with OWL 2 RL rules (linear in the graph); ``auto`` picks ``full``
    up to :data:`FULL_REASONING_MAX_TRIPLES` triples."""
    if mode not in ("auto", "full", "tbox"):
        raise ValueError(f"reasoning mode must be auto, full or tbox, not {mode!r}")
    if mode == "full" or (mode == "auto" and loaded.triples <= FULL_REASONING_MAX_TRIPLES):
        return reason(loaded.to_graph(), java=java)
    tbox = tbox_graph(loaded)
    report = reason(tbox, java=java)
    clashes = _abox_clashes(loaded, report.inferred_superclasses) if report.consistent else []
    report.reasoner = f"{report.reasoner} on the TBox, OWL 2 RL rules on the ABox"
    report.consistent = report.consistent and not clashes
    report.errors += clashes
    why = "asked for" if mode == "tbox" else f"graph above {FULL_REASONING_MAX_TRIPLES:,} triples"
    report.note = "; ".join(n for n in (report.note, f"{len(tbox):,} TBox triples to the reasoner ({why})") if n)
    return report
