"""Reasoning: HermiT through owlready2 (needs Java), else an OWL 2 RL closure with owlrl.

owlready2 does not read Turtle, so the graph is handed over as N-Triples made by rdflib.
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.namespace import OWL, RDF

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
            report.errors = [f"OWL 2 RL explanation: {m}" for m in _owlrl(graph).errors]
        return report
    note = "Java not found: ran an OWL 2 RL check (owlrl) instead of HermiT" if use_hermit else ""
    report = _owlrl(graph)
    report.note = note
    return report


def _hermit(graph: Graph, java: str) -> ReasonerReport:
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, ThingClass

    owlready2.JAVA_EXE = java
    world = owlready2.World()
    onto = world.get_ontology("https://w3id.org/exo-onto/_reasoning.owl")
    # The merged graph already holds every imported file; owlready2 would try to download imports.
    local = Graph()
    for t in graph:
        if t[1] != OWL.imports:
            local.add(t)
    onto.load(fileobj=io.BytesIO(local.serialize(format="nt", encoding="utf-8")), format="ntriples")
    asserted = {(c.iri, p.iri) for c in world.classes() for p in c.is_a if isinstance(p, ThingClass)}
    asserted_types = {(i.iri, c.iri) for i in world.individuals() for c in i.is_a if isinstance(c, ThingClass)}
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError:
        return ReasonerReport(HERMIT, consistent=False)
    except OwlReadyJavaError as exc:
        return ReasonerReport(HERMIT, consistent=False, errors=[f"HermiT failed: {str(exc).strip()[:500]}"])
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


def _owlrl(graph: Graph) -> ReasonerReport:
    import owlrl

    work = Graph()
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
