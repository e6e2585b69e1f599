"""``exo-onto diff``: which findings, terms and mappings changed between two versions."""

from __future__ import annotations

import click

from exo_onto.cli.commands._output import fail
from exo_onto.curate.changelog import DiffError, compare, load_version


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True,
              help="A changelog for people, or JSON for scripts.")
def command(old: str, new: str, fmt: str) -> None:
    """Compare two versions, OLD and NEW: findings added, removed or changed (and which fields), terms
    added, removed, deprecated, relabelled or redefined, mappings added or removed.

    Each version is a release folder (exo-onto-full.ttl), a Turtle file, a project checkout or
    git:REV (this project's ontology files at that git revision, e.g. git:HEAD~3 or git:v1.0).
    Findings and terms are compared by IRI; spans, experimental contexts and blank nodes by content.

    Exit status: 0 it could compare (whether or not anything changed), 2 a version cannot be read.
    """
    try:
        changes = compare(load_version(old), load_version(new))
    except DiffError as exc:
        fail(exc)
    if fmt == "json":
        click.echo(changes.to_json(), nl=False)
    else:
        click.echo(changes.to_markdown(old, new), nl=False)
