"""``exo-onto build``: write the release files."""

from __future__ import annotations

import math
from pathlib import Path

import click

from exo_onto.cli.commands._output import fail, fail_on_os_error
from exo_onto.curate.changelog import DiffError
from exo_onto.io.load import TurtleError
from exo_onto.io.write import DEFAULT_WAIT, MARKER, OutputError, one_line
from exo_onto.publish.release import BuildError, build


def check_wait(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """``--wait`` is a finite number of seconds >= 0 (``nan``, ``inf`` and negatives are usage errors)."""
    if not math.isfinite(value) or value < 0:
        raise click.BadParameter(f"{value} is not a number of seconds >= 0")
    return value


WAIT_HELP = (f"Seconds to wait while another exo-onto writes the same folder (default {DEFAULT_WAIT:g}); "
             "0 refuses at once.")


@click.command("build")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("release"), show_default=True,
              help=f"Folder to write the release into (replaced atomically; only a folder exo-onto made, "
                   f"marked by {MARKER}).")
@click.option("--version", "version", default=None, help="Version to stamp (default: the TBox owl:versionInfo).")
@click.option("--wait", type=float, default=DEFAULT_WAIT, callback=check_wait, help=WAIT_HELP)
@click.option("--previous", default=None, metavar="VERSION",
              help="An earlier version (release folder, Turtle file, checkout or git:REV): "
                   "the release gets CHANGES.md, what changed finding by finding.")
def command(out_dir: Path, version: str | None, wait: float, previous: str | None) -> None:
    """Build the release: ontology + data merged and reasoned (the HermiT-inferred subclass axioms and
    class assertions asserted) as Turtle, RDF/XML, JSON-LD and N-Triples; the reasoned TBox, its -base
    and -simple variants and OBO Graphs JSON; the findings as plain JSON; the inferred axioms alone,
    a VoID/DCAT description and the SSSOM mappings.

    The output folder is exo-onto's own: it is replaced only when it is empty or exo-onto made it
    (it holds the marker file .exo-onto-output and nothing else but the files listed there), like
    cargo's target/. Folders nested in it that exo-onto made (release/docs from `exo-onto docs`)
    are kept across a rebuild, as `cargo build` keeps target/doc. Never, whatever they hold: /, your
    home, the current folder, the project root, ontology/, shapes/, queries/, any parent of them, a
    folder holding .git. These refusals, an unwritable place and a busy folder are reported before any
    work starts. Two builds of one folder take turns (a lock beside it); see --wait.

    \b
    Exit status:
      0  the release is written
      1  the graph has SHACL violations, does not reason cleanly or has a QC error
      2  a file (or the --previous version) cannot be read, or the output folder may not or
         cannot be written
         (the previous folder is left as it was)
    """
    try:
        report = build(out_dir, version, wait=wait, on_wait=lambda msg: click.echo(one_line(msg), err=True),
                       previous=previous)
    except (TurtleError, OutputError, DiffError) as exc:
        fail(exc)
    except OSError as exc:  # disk full or unreadable outside the output folder (the reasoner's temporary file)
        fail_on_os_error(exc)
    except BuildError as exc:
        fail(exc, 1)
    click.echo(f"release {report.version} written to {report.out_dir}/ ({report.reasoner.reasoner} agreed):")
    for name in report.files:
        click.echo(f"  {name}")
