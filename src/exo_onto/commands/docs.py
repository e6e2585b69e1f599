"""``exo-onto docs``: HTML documentation, findings page and mechanism picture."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..docs import build_docs
from ..loading import TurtleError
from ..mechanism import GraphvizMissing


@click.command("docs")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("release/docs"),
              show_default=True, help="Folder to write the documentation into (replaced atomically).")
def command(out_dir: Path) -> None:
    """Write pyLODE pages, the bilingual findings page and the mechanism picture (SVG, PNG).

    Exit status 0 on success, 2 when a file cannot be read or Graphviz is missing.
    """
    try:
        names = build_docs(out_dir)
    except (TurtleError, GraphvizMissing) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"documentation written to {out_dir}/:")
    for name in names:
        click.echo(f"  {name}")
    click.echo(f"open {out_dir / 'findings.html'} in a browser")
