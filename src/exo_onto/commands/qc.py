"""``exo-onto qc``: the ROBOT-report-style quality checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..loading import TurtleError, load_graph
from ..qc import qc_summary, run_qc


@click.command("qc")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tsv", "as_tsv", is_flag=True, help="Print the full report as TSV (Level, Rule Name, Subject, …).")
def command(files: tuple[Path, ...], as_tsv: bool) -> None:
    """Run the QC checks in queries/qc/ on the project's graph (or FILES).

    Exit status 0 when there is no ERROR (WARN and INFO are reported), 1 otherwise, 2 if a file cannot be read.
    """
    try:
        report = run_qc(load_graph(list(files) or None))
    except TurtleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_tsv:
        click.echo(report.tsv(), nl=False)
    else:
        for row in report.rows:
            click.echo(f"{row.severity:5} {row.check}: {row.entity} {row.property} {row.value}".rstrip())
        click.echo(f"qc: {qc_summary(report)}")
    sys.exit(0 if report.ok else 1)
