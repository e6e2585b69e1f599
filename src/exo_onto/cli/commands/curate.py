"""``exo-onto curate``: add findings from a spreadsheet row, without writing Turtle."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exo_onto.cli.commands._output import fail
from exo_onto.curate.template import TemplateError, WriteError, check_template, export_template, write_findings
from exo_onto.io.load import TurtleError
from exo_onto.paths import project_root
from exo_onto.terms.namespaces import curie


@click.command("curate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--write", "write", is_flag=True, help="Add the checked findings to ontology/kg/ (canonical Turtle).")
@click.option("--export", "export", is_flag=True,
              help="Write today's findings to FILE as a template instead (edit it, then curate it back).")
def command(file: Path, write: bool, export: bool) -> None:
    """Check the curation template FILE (TSV, one finding per row) and, with --write, add its findings.

    Each row gives the Chinese quote (or its offsets), the English rendering, both labels, subject,
    predicate and object as CURIEs, the direction, the evidence (docs/curation.md), the cited reference
    numbers, the experimental context and notes; the columns are listed in docs/curation.md.
    Every problem is one line, FILE:ROW:COLUMN: what is wrong. A row without an id is a new finding
    (its IRI is minted); a row with the id of a finding is a correction and needs a change note.

    Exit status: 0 the template is good (and written, with --write), 1 it has problems (nothing is
    written), 2 FILE or a project file cannot be read.
    """
    if export:
        if write:
            raise click.UsageError("--export writes FILE; it cannot be combined with --write")
        try:
            n = export_template(file)
        except (OSError, TurtleError) as exc:
            fail(f"{file}: {exc}")
        click.echo(f"wrote {n} finding(s) to {file}")
        return
    try:
        result = check_template(file)
    except (TemplateError, TurtleError) as exc:
        fail(exc)
    for line in result.lines():
        click.echo(line)
    if not result.ok:
        click.echo(f"{len(result.problems)} problem(s); nothing written", err=True)
        sys.exit(1)
    new = [b for b in result.built if b.status == "new"]
    fixed = [b for b in result.built if b.status == "correction"]
    same = len(result.built) - len(new) - len(fixed)
    summary = f"ok: {len(result.built)} row(s): {len(new)} new finding(s), {len(fixed)} correction(s), {same} unchanged"
    if not write:
        click.echo(summary)
        for b in [*new, *fixed]:
            click.echo(f"  row {b.row.number}: {'would add' if b.status == 'new' else 'would correct'} "
                       f"{curie(b.finding)} in {b.file.name}")
        if new or fixed:
            click.echo("run again with --write to add them")
        return
    try:
        written = write_findings(result)
    except (WriteError, OSError) as exc:
        fail(exc)
    click.echo(summary)
    for path, rows in written.items():
        shown = path.relative_to(project_root()) if path.is_relative_to(project_root()) else path
        for b in rows:
            click.echo(f"  row {b.row.number}: {'added' if b.status == 'new' else 'corrected'} {curie(b.finding)} "
                       f"in {shown}")
