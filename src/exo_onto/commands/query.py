"""``exo-onto query``: ask a stored competency question (or any .rq file), embedded or on an endpoint."""

from __future__ import annotations

import sys

import click

from ..loading import TurtleError
from ..query_results import FORMATTERS
from ..querying import QueryError, QueryRun, list_queries, load_query, resolve_bindings


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param expects NAME=VALUE, got {item!r}")
        out[name.strip().lstrip("?")] = value
    return out


def _list() -> None:
    queries = list_queries()
    width = max((len(q.name) for q in queries), default=0)
    for q in queries:
        params = ", ".join(f"{p.name}={p.default}" if p.default is not None else p.name for p in q.params)
        click.echo(f"{q.name:<{width}}  {q.question_en}")
        click.echo(f"{'':<{width}}  {q.question_zh}")
        if params:
            click.echo(f"{'':<{width}}  parameters: {params}")
    click.echo(f"\n{len(queries)} stored queries in queries/")


@click.command("query")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the stored queries with their questions.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter (repeatable); IRIs may be CURIEs such as CL:0002540 or HGNC:7159.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Language of labels in the answer.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS)), default="table", show_default=True)
@click.option("--endpoint", metavar="URL", default=None,
              help="Ask a SPARQL 1.1 query endpoint instead of the embedded store.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for an endpoint.")
def command(name: str | None, list_: bool, params: tuple[str, ...], lang: str | None, fmt: str,
            endpoint: str | None, timeout: float) -> None:
    """Run the stored query NAME (see --list) or the SPARQL file NAME.

    Embedded by default: the project's Turtle is loaded into pyoxigraph. Exit status 0 on an
    answer, 1 when the query or the endpoint fails, 2 for a usage error.
    """
    if list_:
        _list()
        return
    if not name:
        raise click.UsageError("give a query NAME or FILE, or --list")
    try:
        query = load_query(name)
        run = QueryRun(query, resolve_bindings(query, _parse_params(params), lang), endpoint, timeout)
        result = run.execute()
        click.echo(FORMATTERS[fmt](result))
    except (QueryError, TurtleError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
