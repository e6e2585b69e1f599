"""``exo-onto fmt``: canonical Turtle that keeps what the user wrote, or refuses."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from exo_onto.io.fmt import FormatError, format_file
from exo_onto.paths import ontology_files


@click.command("fmt")
@click.option("--check", "check_only", is_flag=True,
              help="Change nothing: list the files fmt would change, exit 1 if any.")
@click.option("--drop-comments", is_flag=True,
              help="Rewrite files with comments, dropping every comment but the block at the top.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(check_only: bool, drop_comments: bool, files: tuple[Path, ...]) -> None:
    """Rewrite Turtle files in canonical form: sorted, one layout (default: the project's files).

    Lossless or nothing: the file's own prefix names and @base, every literal as written ("007"
    stays 007), relative IRIs, a UTF-8 byte-order mark and the comment block at the top of the file
    are kept; the output is parsed back and must give the same graph before it replaces the file
    (atomically; a symlink's target is rewritten, the link kept). A file with other comments is
    refused unless --drop-comments. Each changed file is listed.

    Exit status: 0 every file is (now) canonical; 1 with --check, some file would change; 2 a file
    could not be formatted (not UTF-8, a syntax error, a comment, a write error: one line each on
    stderr, that file left unchanged, the other files still formatted) or a usage error.
    """
    changed: list[Path] = []
    failed = False
    for path in list(files) or ontology_files():
        try:
            if not format_file(path, check=check_only, drop_comments=drop_comments):
                changed.append(path)
        except FormatError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
    verb = "not canonical" if check_only else "reformatted"
    for path in changed:
        click.echo(f"{verb}: {path}")
    if failed:
        sys.exit(2)
    if check_only and changed:
        sys.exit(1)
