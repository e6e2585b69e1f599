"""``exo-onto check``: the main job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exo_onto.cli.commands._output import echo_step, echo_summary
from exo_onto.pipeline.check import run_check
from exo_onto.reason.reasoner import FULL_REASONING_MAX_TRIPLES


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--reasoning", type=click.Choice(["auto", "full", "tbox"]), default="auto", show_default=True,
              help="full: HermiT over TBox and ABox; tbox: HermiT over the TBox, OWL 2 RL rules over the ABox "
                   f"(linear, for large graphs); auto: full up to {FULL_REASONING_MAX_TRIPLES:,} triples.")
def command(files: tuple[Path, ...], reasoning: str) -> None:
    """Parse, reason (HermiT; OWL 2 RL without Java), validate (SHACL), QC, run the stored queries.

    FILES default to the project's ontology. Exit status 0 when every step passes, 1 otherwise.
    """
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise click.UsageError(f"no such file: {missing[0]}")
    report = run_check(list(files) or None, progress=echo_step, reasoning=reasoning)
    echo_summary(report)
    sys.exit(0 if report.ok else 1)
