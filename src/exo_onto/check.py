"""The main job: every check the project's graph must pass, step by step.

parse → reason (HermiT) → validate (SHACL) → QC → stored queries against their expected answers.
Each step returns a :class:`StepResult`; :func:`run_check` stops after a parse failure (there is
nothing sound to check) but always reports every file's error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
from rdflib import Graph

from .loading import TurtleError, parse_turtle
from .namespaces import bind_prefixes
from .paths import ontology_files
from .qc import qc_summary, run_qc
from .reasoning import ReasonerReport, reason
from .stats import GraphCounts, count_entities
from .store import oxigraph_store


@dataclass
class StepResult:
    name: str
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    steps: list[StepResult] = field(default_factory=list)
    counts: GraphCounts | None = None
    reasoner: ReasonerReport | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


Progress = Callable[[StepResult], None]


def parse_step(files: Iterable[Path]) -> tuple[StepResult, Graph]:
    """Parse every file into one graph; the step fails if any file does not parse."""
    graph = bind_prefixes(Graph())
    files = list(files)
    errors = []
    for path in files:
        try:
            parse_turtle(path, graph)
        except TurtleError as exc:
            errors.append(str(exc))
    if errors:
        return StepResult("parse", False, f"{len(errors)} of {len(files)} file(s) do not parse", errors), graph
    return StepResult("parse", True, f"{len(files)} Turtle file(s), {len(graph)} triples"), graph


def reason_step(graph: Graph) -> tuple[StepResult, ReasonerReport]:
    report = reason(graph)
    details = [report.note] if report.note else []
    details += report.errors
    details += [f"unsatisfiable class: {c}" for c in report.unsatisfiable]
    if not report.consistent and not report.errors:
        details.append("the ontology is inconsistent")
    verdict = "consistent" if report.consistent else "INCONSISTENT"
    verdict += f", {len(report.unsatisfiable)} unsatisfiable class(es)"
    return StepResult(f"reason ({report.reasoner})", report.ok, verdict, details), report


def qc_step(graph: Graph, store: pyoxigraph.Store | None = None) -> StepResult:
    """ROBOT-report-style QC; ERROR rows fail the step, WARN and INFO are only counted."""
    report = run_qc(graph, store=store)
    details = [f"{r.severity} {r.check}: {r.entity} {r.property} {r.value}".rstrip()
               for r in report.rows if r.severity in ("ERROR", "WARN")]
    return StepResult("qc", report.ok, qc_summary(report), details)


def validate_step(graph: Graph) -> StepResult:
    from .validation import validate_step as shacl_step  # pyshacl is slow to import; only when checking

    return shacl_step(graph)


def queries_step(graph: Graph, store: pyoxigraph.Store | None = None) -> StepResult:
    from .querying import queries_step as stored_queries_step

    return stored_queries_step(graph, store)


def run_check(files: Iterable[Path] | None = None, progress: Progress | None = None) -> CheckReport:
    """Run the check pipeline on ``files`` (the project's ontology files by default)."""
    report = CheckReport()

    def record(step: StepResult) -> None:
        report.steps.append(step)
        if progress:
            progress(step)

    step, graph = parse_step(files if files is not None else ontology_files())
    record(step)
    if not step.ok:
        return report
    report.counts = count_entities(graph)
    step, report.reasoner = reason_step(graph)
    record(step)
    record(validate_step(graph))
    store = oxigraph_store(graph)  # loaded once for QC and the stored queries
    record(qc_step(graph, store))
    record(queries_step(graph, store))
    return report
