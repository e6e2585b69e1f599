"""``exo-onto query``: ask a stored competency question (or any .rq file), embedded or on an endpoint."""

from __future__ import annotations

import math
import re
import sys

import click

from exo_onto.io.load import TurtleError
from exo_onto.query.embedded import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, size_text
from exo_onto.query.results import FORMATTERS, escape_controls, formats_for, to_csv
from exo_onto.query.stored import QueryError, QueryRun, check_endpoint, list_queries, load_query, resolve_bindings

#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130
_FORM_KIND = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


class Seconds(click.ParamType):
    """A positive, finite number of seconds (``0``, ``-5``, ``nan`` and ``inf`` are usage errors)."""

    name = "SECONDS"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r}: give a positive number of seconds", param, ctx)
        return seconds


class ByteSize(click.ParamType):
    """A positive size in bytes, optionally with K, M or G (powers of 1024): ``1000``, ``64K``, ``256M``, ``1G``."""

    name = "SIZE"
    _SIZE = re.compile(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", re.I)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            size = value
        else:
            m = self._SIZE.fullmatch(str(value))
            if not m:
                self.fail(f"{value!r} is not a size (e.g. 1000, 64K, 256M, 1G)", param, ctx)
            size = int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]
        if size <= 0:
            self.fail(f"{value!r}: give a positive size", param, ctx)
        return size


def _endpoint(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            check_endpoint(value)
        except QueryError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


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


def _refuse_format(fmt: str, kind: str, form: str) -> None:
    if fmt not in formats_for(kind):
        raise click.UsageError(f"--format {fmt} cannot show the answer of a {form} query; "
                               f"use {', '.join(formats_for(kind))}")


def _fail(message: object, status: int = 1) -> None:
    click.echo(f"error: {escape_controls(' '.join(str(message).split()))}", err=True)
    sys.exit(status)


@click.command("query")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the stored queries with their questions.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter (repeatable); IRIs may be CURIEs such as CL:0002540 or HGNC:7159.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, help="Language of labels in the answer.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS)), default="table", show_default=True,
              help="table, csv or json for SELECT and ASK; ttl, json or table for CONSTRUCT and DESCRIBE.")
@click.option("--endpoint", metavar="URL", default=None, callback=_endpoint,
              help="Ask a SPARQL 1.1 query endpoint (http:// or https://) instead of the embedded store.")
@click.option("--timeout", type=Seconds(), default=DEFAULT_TIMEOUT, show_default=True,
              help="Deadline in seconds for the whole query, embedded or remote: evaluation and every byte "
                   "of the answer.")
@click.option("--max-bytes", type=ByteSize(), default=DEFAULT_MAX_BYTES, show_default=size_text(DEFAULT_MAX_BYTES),
              help="Largest answer accepted (serialized size; K, M, G suffixes).")
def command(name: str | None, list_: bool, params: tuple[str, ...], lang: str | None, fmt: str,
            endpoint: str | None, timeout: float, max_bytes: int) -> None:
    """Run the stored query NAME (see --list) or the SPARQL file NAME.

    Embedded by default: the project's Turtle is loaded into pyoxigraph by the loader `check` uses.
    Exit status 0 on an answer, 1 when the query, the graph or the endpoint fails (one line on
    stderr: a timeout, an answer over --max-bytes, a file that does not parse), 2 for a usage error,
    130 after Ctrl-C.
    """
    if list_:
        _list()
        return
    if not name:
        raise click.UsageError("give a query NAME or FILE, or --list")
    try:
        query = load_query(name)
        _refuse_format(fmt, _FORM_KIND.get(query.form, "select"), query.form)
        run = QueryRun(query, resolve_bindings(query, _parse_params(params), lang), endpoint, timeout, max_bytes)
        result = run.execute()
        _refuse_format(fmt, result.kind, query.form)
        # Every form escapes control characters except CSV into a file or pipe (the data, unchanged);
        # color=True keeps click from stripping what look like ANSI codes out of that data.
        text = to_csv(result, escape=sys.stdout.isatty()) if fmt == "csv" else FORMATTERS[fmt](result)
        click.echo(text, color=True)
    except KeyboardInterrupt:
        _fail("interrupted (Ctrl-C); the query was stopped", EXIT_INTERRUPTED)
    except (QueryError, TurtleError, ValueError) as exc:
        _fail(exc)
