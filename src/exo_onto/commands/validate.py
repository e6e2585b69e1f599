"""``exo-onto validate``: SHACL shapes against the knowledge graph, as a report a curator can act on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..loading import TurtleError
from ..validation import ValidationError, validate_files

LEVELS = {"violation": "Violation", "warning": "Warning", "info": "Info"}


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A report grouped by node, or JSON for scripts.")
@click.option("--min-severity", type=click.Choice(list(LEVELS)), default="info", show_default=True,
              help="Least serious result to list in the text report (the summary always counts all).")
def command(files: tuple[Path, ...], fmt: str, min_severity: str) -> None:
    """Validate FILES (default: the knowledge graph, ontology/kg/*.ttl) against the shapes in shapes/.

    The TBox (ontology/exo-onto.ttl) is always loaded with the files, so classes and subclasses
    count. The report lists each problem under its node (with the node's label): the field, the
    offending value and why. MISEV items an EV preparation does not report are warnings.

    Exit status: 0 the graph conforms (warnings allowed), 1 there are violations, 2 validation could
    not run (a missing or unparsable file, broken shapes).
    """
    missing = [f for f in files if not f.is_file()]
    try:
        if missing:
            raise ValidationError(f"no such file: {missing[0]}")
        report = validate_files(list(files) or None)
    except (TurtleError, ValidationError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(report.to_json(), nl=False)
    else:
        click.echo(report.to_text(LEVELS[min_severity]), nl=False)
    sys.exit(0 if report.conforms else 1)
