"""``exo-onto push``: load the graph into any SPARQL 1.1 store through the Graph Store Protocol."""

from __future__ import annotations

import math

import click

from exo_onto.cli.commands._output import fail
from exo_onto.io.load import TurtleError, load_graph
from exo_onto.publish.serve import EndpointURLError, check_endpoint, gsp_target, push_graph, valid_seconds
from exo_onto.query.stored import QueryError


def _seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    try:
        return valid_seconds(value, maximum=math.inf)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                   "http://HOST:3030/DATASET/data (Fuseki).")
@click.option("--graph", "graph_iri", default=None, metavar="IRI",
              help="Target named graph (default: the store's default graph).")
@click.option("--append", is_flag=True, help="Merge into the target graph (POST) instead of replacing it (PUT).")
@click.option("--timeout", type=float, default=120.0, show_default=True, callback=_seconds, metavar="SECONDS",
              help="Deadline for the whole exchange with the store (connect, send, answer).")
def command(endpoint: str, graph_iri: str | None, append: bool, timeout: float) -> None:
    """Send every Turtle file of the graph to a store (N-Triples over HTTP PUT, or POST with --append).

    Every failure is one line on stderr. Exit status: 0 pushed; 1 the graph does not load, or
    the store cannot be reached, answers an HTTP error status, or does not answer within
    --timeout; 2 usage error (a malformed --endpoint URL, an invalid --timeout).
    """
    try:
        check_endpoint(endpoint)  # before loading anything
        n = push_graph(load_graph(), endpoint, graph_iri, replace=not append, timeout=timeout)
    except EndpointURLError as exc:
        fail(exc)
    except (QueryError, TurtleError) as exc:
        fail(exc, 1)
    click.echo(f"pushed {n} triples to {gsp_target(endpoint, graph_iri)}")
