"""``exo-onto span``: find a quote in the pinned source and print its span."""

from __future__ import annotations

import click

from exo_onto.cli.commands._output import fail
from exo_onto.io.fmt import canonical_turtle
from exo_onto.io.spans import SpanError, locate, span_triples


@click.command("span")
@click.argument("quote")
@click.option("--en", "rendering", default="", help="English rendering to attach to the span.")
def command(quote: str, rendering: str) -> None:
    """Find QUOTE in the pinned source text and print its span as Turtle.

    Line breaks and spaces are ignored while matching, so a sentence can be typed on one line;
    the span keeps the source's exact characters. Exit status 1 if the quote is missing or ambiguous.
    """
    try:
        found = locate(quote)
    except SpanError as exc:
        fail(exc, 1)
    click.echo(canonical_turtle(span_triples(found, rendering or "TODO: English rendering")), nl=False)
