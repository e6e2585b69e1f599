"""``exo-onto build``: write the release files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..loading import TurtleError
from ..release import BuildError, build


@click.command("build")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("release"),
              show_default=True, help="Folder to write the release into (replaced atomically).")
@click.option("--version", "version", default=None, help="Version to stamp (default: the TBox owl:versionInfo).")
def command(out_dir: Path, version: str | None) -> None:
    """Build the release: merged ontology + data as Turtle, RDF/XML, JSON-LD and N-Triples, the TBox,
    the HermiT-inferred hierarchy, a VoID/DCAT description and the SSSOM mappings.

    Exit status 0 on success, 1 when the ontology does not reason cleanly, 2 when a file cannot be read.
    """
    try:
        report = build(out_dir, version)
    except TurtleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except BuildError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"release {report.version} written to {report.out_dir}/ ({report.reasoner.reasoner} agreed):")
    for name in report.files:
        click.echo(f"  {name}")
