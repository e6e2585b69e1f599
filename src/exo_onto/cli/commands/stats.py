"""``exo-onto stats``: findings per section, MSC source and evidence type."""

from __future__ import annotations

import click

from exo_onto.cli.commands._output import fail
from exo_onto.io.load import TurtleError, load_graph
from exo_onto.query.stats import finding_stats


@click.command("stats")
def command() -> None:
    """Findings per review section, per MSC source and per evidence type (a gap shows as 0)."""
    try:
        st = finding_stats(load_graph())
    except TurtleError as exc:
        fail(exc)
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
