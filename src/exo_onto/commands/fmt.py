"""``exo-onto fmt``: canonical Turtle."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..formatting import format_file
from ..loading import TurtleError
from ..paths import ontology_files


@click.command("fmt")
@click.option("--check", "check_only", is_flag=True, help="Only report files that are not canonical.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(check_only: bool, files: tuple[Path, ...]) -> None:
    """Rewrite Turtle files in canonical form (sorted, stable prefixes); --check only reports."""
    changed = []
    for path in list(files) or ontology_files():
        try:
            if not format_file(path, check=check_only):
                changed.append(path)
        except TurtleError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    verb = "not canonical" if check_only else "reformatted"
    for path in changed:
        click.echo(f"{verb}: {path}")
    if check_only and changed:
        sys.exit(1)
