"""``exo-onto validate``: SHACL shapes against the knowledge graph, as a report a curator can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exo_onto.cli.commands._output import fail
from exo_onto.io.load import TurtleError
from exo_onto.shacl.report import report_file as open_report
from exo_onto.shacl.validate import ValidationError, validate_files

LEVELS = {"violation": "Violation", "warning": "Warning", "info": "Info"}


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A report grouped by node, or JSON for scripts.")
@click.option("--min-severity", type=click.Choice(list(LEVELS)), default="info", show_default=True,
              help="Least serious result to list in the text report (the summary always counts all).")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="List at most N results per shape and constraint (all are counted); memory stays bounded.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every result, one JSON object per line, to FILE (a new file).")
@click.option("--force", is_flag=True, help="With --report: replace FILE if it exists.")
def command(files: tuple[Path, ...], fmt: str, min_severity: str, limit: int, report_file: Path | None,
            force: bool) -> None:
    """Validate FILES (default: the knowledge graph, ontology/kg/*.ttl) against the shapes in shapes/.

    The TBox (ontology/exo-onto.ttl) is always loaded with the files, so classes and subclasses
    count. The report lists each problem under its node (with the node's label): the field, the
    offending value and why. MISEV items an EV preparation does not report are warnings.

    On a large graph only the first --limit results of each shape are listed; --report FILE gets
    them all (JSON Lines), written as they come, and FILE appears only when complete.

    Exit status: 0 the graph conforms (warnings allowed), 1 there are violations, 2 validation could
    not run (a missing or unparsable file, broken shapes, an existing --report FILE without --force,
    a report file that cannot be written).
    """
    missing = [f for f in files if not f.is_file()]
    try:
        if missing:
            raise ValidationError(f"no such file: {missing[0]}")
        if report_file is not None and report_file.exists() and not force:
            raise ValidationError(f"{report_file} exists; not replacing it (add --force)")
        with open_report(report_file) as sink:
            report = validate_files(list(files) or None, limit=limit, sink=sink)
    except (TurtleError, ValidationError) as exc:
        fail(exc)
    except OSError as exc:
        fail(f"cannot write {report_file}: {exc}")
    if fmt == "json":
        click.echo(report.to_json(), nl=False)
    else:
        click.echo(report.to_text(LEVELS[min_severity]), nl=False)
    sys.exit(0 if report.conforms else 1)
