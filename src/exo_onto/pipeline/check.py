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
from rdflib import Graph

from exo_onto.io.load import Files, LoadedStore, TurtleError, as_paths, is_project_graph, store_from_graph
from exo_onto.paths import ontology_files
from exo_onto.query.qc import PROJECT_ONLY_CHECKS, load_checks, qc_summary, run_qc
from exo_onto.query.results import compare_expected, expected_path
from exo_onto.query.stats import GraphCounts, count_entities_in_store
from exo_onto.query.stored import QueryError, embedded_store, list_queries, run_embedded_all
from exo_onto.reason.reasoner import ReasonerReport, reason_store


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


#: Results the check step keeps per shape and constraint: enough to see what is wrong, bounded at any size.
STEP_LIMIT = 20


def validate_step(data: Graph | LoadedStore) -> StepResult:
    """SHACL: ``data`` (TBox included, as the pipeline loaded it) against the shapes.

    Passes when there is no violation; warnings (the MISEV items the review does not report) are
    counted, not listed, since ``exo-onto validate`` lists them. At most :data:`STEP_LIMIT` results
    per shape are kept in memory, so the step stays small on a graph with a million warnings.
    """
    # pyshacl is slow to import: only when a check runs (every CLI command imports this module).
    from exo_onto.shacl.validate import validate_store

    name = "validate (SHACL)"
    try:
        report = validate_store(data if isinstance(data, LoadedStore) else store_from_graph(data), limit=STEP_LIMIT)
    except Exception as exc:  # a broken shapes file must fail the step, not crash the pipeline
        return StepResult(name, False, "could not run", [str(exc)])
    details = [f"{r.focus} {r.path or '(node)'}: {r.message}" + (f" [value {r.value}]" if r.value else "")
               for r in report.violations]
    if report.count("Violation") > len(report.violations):
        details.append(f"… {report.count('Violation') - len(report.violations)} more violation(s): "
                       "run `exo-onto validate` to list them")
    if report.count("Warning"):
        details.append(f"{report.count('Warning')} warning(s): run `exo-onto validate` to list them")
    return StepResult(name, report.conforms, report.summary(), details)


def queries_step(store: pyoxigraph.Store | None = None, project: bool = True,
                 graph: Graph | None = None) -> StepResult:
    """Every stored query, run embedded on ``store`` (or ``graph``), gives its expected answer.

    The answers are about the project's graph, so off it the step is skipped. The result lists each
    query that fails or differs (missing rows, extra rows, a different boolean or graph).
    """
    if not project:
        return StepResult("queries", True, NOT_THE_PROJECT)
    store = store if store is not None else embedded_store(graph=graph)
    queries = list_queries()
    problems: list[str] = []
    problems += [f"{q.name}: no expected answer in queries/expected/" for q in queries if expected_path(q) is None]
    for q, result in run_embedded_all([q for q in queries if expected_path(q) is not None], store):
        if isinstance(result, QueryError):
            problems.append(f"{q.name}: {result}")
        else:
            problems += [f"{q.name}: {d}" for d in compare_expected(q, result)]
    if not queries:
        return StepResult("queries", False, "no stored queries in queries/")
    failed = len({p.split(":", 1)[0] for p in problems})
    summary = f"{len(queries) - failed} of {len(queries)} stored queries give their expected answer"
    return StepResult("queries", not problems, summary, problems)


def run_check(files: Files | None = None, progress: Progress | None = None,
              reasoning: str = "auto", project: bool | None = None) -> CheckReport:
    """Run the check pipeline on ``files`` (one path or a list, ``str`` or ``Path``; the project's by default).

    Every step reads one Oxigraph store, so the check scales to millions of triples; ``reasoning``
    is ``auto``, ``full`` or ``tbox`` (see :func:`exo_onto.reason.reasoner.reason_store`). ``project``
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
    record(validate_step(loaded))  # its RDFS closure is in a named graph only while the shapes run
    record(qc_step(loaded.store, project))
    record(queries_step(loaded.store, project))
    return report
