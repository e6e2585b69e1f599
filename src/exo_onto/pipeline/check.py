"""The main job: every check the project's graph must pass, step by step.

parse (into Oxigraph) → reason (HermiT) → validate (SHACL) → QC → stored queries against their
expected answers.
Each step returns a :class:`StepResult`; :func:`run_check` stops after a parse failure (there is
nothing sound to check) but always reports every file's error. The stored queries' expected answers
and the ontology-header QC check describe the project's own graph: on any other set of files they
are skipped, and the report says so, rather than failing a file for not being the project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph

from .loading import Files, LoadedStore, TurtleError, as_paths, is_project_graph
from .paths import ontology_files
from .qc import PROJECT_ONLY_CHECKS, load_checks, qc_summary, run_qc
from .reasoning import ReasonerReport, reason_store
from .stats import GraphCounts, count_entities_in_store


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


#: What a skipped step says: the check ran on files that are not the project's graph.
NOT_THE_PROJECT = "not the project's graph: skipped"


def parse_step(files: Files) -> tuple[StepResult, LoadedStore]:
    """Parse every file into one Oxigraph store; the step fails if any file does not parse."""
    loaded = LoadedStore()
    files = as_paths(files) or []
    errors = []
    for path in files:
        try:
            loaded.add_file(path)
        except TurtleError as exc:
            errors.append(str(exc))
    if errors:
        return StepResult("parse", False, f"{len(errors)} of {len(files)} file(s) do not parse", errors), loaded
    return StepResult("parse", True, f"{len(files)} Turtle file(s), {loaded.triples} triples"), loaded


def reason_step(loaded: LoadedStore, mode: str = "auto") -> tuple[StepResult, ReasonerReport]:
    try:
        report = reason_store(loaded, mode)
    except OSError as exc:  # no room for the reasoner's files
        report = ReasonerReport("HermiT", consistent=False, ran=False,
                                errors=[f"the reasoner could not run: {' '.join(str(exc).split())}"])
    details = [report.note] if report.note else []
    details += report.errors
    details += [f"unsatisfiable class: {c}" for c in report.unsatisfiable]
    if not report.consistent and not report.errors:
        details.append("the ontology is inconsistent")
    verdict = "consistent" if report.consistent else "INCONSISTENT"
    verdict = f"{verdict}, {len(report.unsatisfiable)} unsatisfiable class(es)" if report.ran else "could not run"
    return StepResult(f"reason ({report.reasoner})", report.ok, verdict, details), report


def qc_step(store: pyoxigraph.Store, project: bool = True) -> StepResult:
    """ROBOT-report-style QC; ERROR rows fail the step, WARN and INFO are only counted.

    Off the project's graph the checks of the project's own ontology header are skipped (a file of
    findings has no header to check), and the details say which.
    """
    checks = load_checks()
    skipped = [] if project else [c.name for c in checks if c.name in PROJECT_ONLY_CHECKS]
    report = run_qc(store=store, checks=[c for c in checks if c.name not in skipped])
    details = [f"{r.severity} {r.check}: {r.entity} {r.property} {r.value}".rstrip()
               for r in report.rows if r.severity in ("ERROR", "WARN")]
    details += [f"{name}: {NOT_THE_PROJECT}" for name in skipped]
    return StepResult("qc", report.ok, qc_summary(report), details)


def validate_step(loaded: LoadedStore) -> StepResult:
    from .validation import validate_step as shacl_step  # pyshacl is slow to import; only when checking

    return shacl_step(loaded)


def queries_step(store: pyoxigraph.Store, project: bool = True) -> StepResult:
    """Every stored query against its expected answer: answers about the project's graph, so only there."""
    if not project:
        return StepResult("queries", True, NOT_THE_PROJECT)
    from .querying import queries_step as stored_queries_step

    return stored_queries_step(store=store)


def run_check(files: Files | None = None, progress: Progress | None = None,
              reasoning: str = "auto", project: bool | None = None) -> CheckReport:
    """Run the check pipeline on ``files`` (one path or a list, ``str`` or ``Path``; the project's by default).

    Every step reads one Oxigraph store, so the check scales to millions of triples; ``reasoning``
    is ``auto``, ``full`` or ``tbox`` (see :func:`exo_onto.reasoning.reason_store`). ``project``
    says whether the files are the project's graph (by default: whether they are exactly its
    ontology files); only then are the stored queries and the ontology-header QC check run.
    """
    files = as_paths(files)
    project = is_project_graph(files) if project is None else project
    report = CheckReport()

    def record(step: StepResult) -> None:
        report.steps.append(step)
        if progress:
            progress(step)

    step, loaded = parse_step(files if files is not None else ontology_files())
    record(step)
    if not step.ok:
        return report
    report.counts = count_entities_in_store(loaded.store, loaded.triples)
    step, report.reasoner = reason_step(loaded, reasoning)
    record(step)
    record(validate_step(loaded))  # adds the RDFS closure in a named graph; QC and queries read the default graph
    record(qc_step(loaded.store, project))
    record(queries_step(loaded.store, project))
    return report
