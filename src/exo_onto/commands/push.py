"""``exo-onto push``: load the graph into any SPARQL 1.1 store through the Graph Store Protocol."""

from __future__ import annotations

import sys

import click

from ..loading import TurtleError, load_graph
from ..querying import QueryError
from ..serving import gsp_target, push_graph


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                   "http://HOST:3030/DATASET/data (Fuseki).")
@click.option("--graph", "graph_iri", default=None, metavar="IRI",
              help="Target named graph (default: the store's default graph).")
@click.option("--append", is_flag=True, help="Merge into the target graph (POST) instead of replacing it (PUT).")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds to wait for the store.")
def command(endpoint: str, graph_iri: str | None, append: bool, timeout: float) -> None:
    """Send every Turtle file of the graph to a store (N-Triples over HTTP PUT, or POST with --append)."""
    try:
        n = push_graph(load_graph(), endpoint, graph_iri, replace=not append, timeout=timeout)
    except (QueryError, TurtleError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"pushed {n} triples to {gsp_target(endpoint, graph_iri)}")
