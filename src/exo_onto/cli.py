"""Command-line interface: a thin layer over the library (``exo_onto``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .check import CheckReport, StepResult, run_check
from .formatting import format_file
from .loading import TurtleError
from .paths import ontology_files


def _echo_step(step: StepResult) -> None:
    mark = click.style("ok  ", fg="green") if step.ok else click.style("FAIL", fg="red")
    click.echo(f"[{mark}] {step.name}: {step.summary}")
    for line in step.details:
        click.echo(f"       {line}")


def _echo_summary(report: CheckReport) -> None:
    c = report.counts
    click.echo("")
    if c:
        click.echo(
            f"classes {c.classes} | object properties {c.object_properties} | "
            f"datatype properties {c.datatype_properties} | annotation properties "
            f"{c.annotation_properties} | individuals {c.individuals} | triples {c.triples}"
        )
    failed = [s.name for s in report.steps if not s.ok]
    if failed:
        click.echo(click.style(f"verdict: FAILED ({', '.join(failed)})", fg="red"))
    else:
        click.echo(click.style("verdict: OK", fg="green"))


@click.group()
@click.version_option(__version__, prog_name="exo-onto")
def main() -> None:
    """exo-onto: the MSC-exosome cartilage-repair ontology and knowledge graph."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Parse every Turtle file, reason with HermiT (OWL 2 RL without Java) and summarise.

    FILES default to the project's ontology/*.ttl. Exit status 0 when every step passes, 1 otherwise.
    """
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise click.UsageError(f"no such file: {missing[0]}")
    report = run_check(list(files) or None, progress=_echo_step)
    _echo_summary(report)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--check", "check_only", is_flag=True, help="Only report files that are not canonical.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fmt(check_only: bool, files: tuple[Path, ...]) -> None:
    """Rewrite Turtle files in canonical form (sorted, stable prefixes); --check only reports."""
    targets = list(files) or ontology_files()
    changed = []
    for path in targets:
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


@main.command()
@click.argument("quote")
@click.option("--en", "rendering", default="", help="English rendering to attach to the span.")
def span(quote: str, rendering: str) -> None:
    """Find QUOTE in the pinned source text and print its span as Turtle.

    Line breaks and spaces are ignored while matching, so a sentence can be typed on one line;
    the span keeps the source's exact characters. Exit status 1 if the quote is missing or ambiguous.
    """
    from .formatting import canonical_turtle
    from .spans import SpanError, locate, span_triples

    try:
        found = locate(quote)
    except SpanError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(canonical_turtle(span_triples(found, rendering or "TODO: English rendering")), nl=False)


@main.command()
def stats() -> None:
    """Findings per review section, per MSC source and per evidence type (a gap shows as 0)."""
    from .loading import load_graph
    from .stats import finding_stats

    try:
        st = finding_stats(load_graph())
    except TurtleError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"findings: {st.total}\n")
    for title, rows in (("per section", st.per_section), ("per MSC source", st.per_source),
                        ("per evidence type", st.per_evidence)):
        click.echo(title)
        width = max(len(k) for k, _ in rows)
        for key, n in rows:
            flag = ""
            if title == "per section" and n == 0:
                flag = "   (heading only)" if key in st.heading_only else "   <- GAP: no findings"
            click.echo(f"  {key:<{width}}  {n:>4}{flag}")
        click.echo("")


if __name__ == "__main__":  # pragma: no cover
    main()
