"""``exo-onto docs``: HTML documentation, findings page and mechanism picture."""

from __future__ import annotations

from pathlib import Path

import click

from exo_onto.cli.commands._output import fail, fail_on_os_error
from exo_onto.cli.commands.build import WAIT_HELP, check_wait
from exo_onto.io.load import TurtleError
from exo_onto.io.write import DEFAULT_WAIT, MARKER, OutputError, one_line
from exo_onto.publish.docs import build_docs
from exo_onto.publish.mechanism import GraphvizMissing


@click.command("docs")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("release/docs"),
              show_default=True,
              help=f"Folder to write the documentation into (replaced atomically; only a folder exo-onto made, "
                   f"marked by {MARKER}).")
@click.option("--wait", type=float, default=DEFAULT_WAIT, callback=check_wait, help=WAIT_HELP)
def command(out_dir: Path, wait: float) -> None:
    """Write the ontology reference (pyLODE, one page per language), the bilingual findings page and
    the mechanism picture in English and in Chinese (SVG, PNG); the same bytes on every run.

    The output folder follows the rules of `exo-onto build --out`: replaced only when it is empty or
    exo-onto made it (marker .exo-onto-output, nothing else in it but the files listed there);
    never /, your home, the current folder, the project root, ontology/, shapes/, queries/, any
    parent of them, a folder holding .git. Folders it creates on the way (release/ for the default)
    get the marker too, so `exo-onto build` may later write the release around release/docs, which
    it keeps. Refusals come before any work; one writer at a time (see --wait).

    \b
    Exit status:
      0  the documentation is written
      2  a file cannot be read, Graphviz is missing, or the output folder may not or cannot be
         written (the previous folder is left as it was)
    """
    try:
        names = build_docs(out_dir, wait=wait, on_wait=lambda msg: click.echo(one_line(msg), err=True))
    except (TurtleError, GraphvizMissing, OutputError) as exc:
        fail(exc)
    except OSError as exc:  # disk full or unreadable outside the output folder (the reasoner's temporary file)
        fail_on_os_error(exc)
    click.echo(f"documentation written to {out_dir}/:")
    for name in names:
        click.echo(f"  {name}")
    click.echo(f"open {out_dir / 'findings.html'} in a browser")
