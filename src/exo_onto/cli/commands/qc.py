"""``exo-onto qc``: the ROBOT-report-style quality checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exo_onto.cli.commands._output import fail
from exo_onto.io.load import TurtleError, is_project_graph, load_store
from exo_onto.paths import ontology_files
from exo_onto.pipeline.check import NOT_THE_PROJECT
from exo_onto.query.qc import PROJECT_ONLY_CHECKS, load_checks, qc_summary, run_qc


@click.command("qc")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tsv", "as_tsv", is_flag=True, help="Print the full report as TSV (Level, Rule Name, Subject, …).")
def command(files: tuple[Path, ...], as_tsv: bool) -> None:
    """Run the QC checks in queries/qc/ on the project's graph (or FILES).

    The files are read by the loader `check` uses. On FILES that are not the project's graph the
    check of the project's ontology header is skipped (and said so on stderr).
    Exit status 0 when there is no ERROR (WARN and INFO are reported), 1 otherwise, 2 if a file cannot be read.
    """
    paths = list(files) or ontology_files()
    checks = load_checks()
    if not is_project_graph(paths):
        for name in sorted(PROJECT_ONLY_CHECKS & {c.name for c in checks}):
            click.echo(f"{name}: {NOT_THE_PROJECT}", err=True)
        checks = [c for c in checks if c.name not in PROJECT_ONLY_CHECKS]
    try:
        report = run_qc(store=load_store(paths).store, checks=checks)
    except TurtleError as exc:
        fail(exc)
    if as_tsv:
        click.echo(report.tsv(), nl=False)
    else:
        for row in report.rows:
            click.echo(f"{row.severity:5} {row.check}: {row.text()}".rstrip())
        click.echo(f"qc: {qc_summary(report)}")
    sys.exit(0 if report.ok else 1)
