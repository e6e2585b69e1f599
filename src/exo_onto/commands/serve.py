"""``exo-onto serve``: an Oxigraph SPARQL server on 127.0.0.1 loaded with the graph."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from ..loading import TurtleError, load_graph
from ..querying import QueryError
from ..serving import OxigraphServer, push_graph


def _stop_on_term(*_: object) -> None:
    raise KeyboardInterrupt


@click.command("serve")
@click.option("--port", type=int, default=7878, show_default=True, help="TCP port on 127.0.0.1 (0: any free port).")
@click.option("--location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the database in DIR (default: a temporary directory, removed on exit).")
def command(port: int, location: Path | None) -> None:
    """Start an Oxigraph SPARQL server on 127.0.0.1 with the graph loaded, print its URL, serve until Ctrl-C.

    The root URL is a query page for the browser; /query is the SPARQL endpoint for
    ``exo-onto query --endpoint`` and /store the Graph Store Protocol endpoint for ``exo-onto push``.
    """
    server = OxigraphServer(location=location, port=port or None)
    signal.signal(signal.SIGTERM, _stop_on_term)
    try:
        graph = load_graph()
        server.start()
        n = push_graph(graph, server.store_endpoint)
        click.echo(f"Oxigraph SPARQL server with {n} triples: {server.url}/", nl=True)
        click.echo(f"  query page (browser): {server.url}/")
        click.echo(f"  SPARQL endpoint:      {server.query_endpoint}")
        click.echo(f"  Graph Store endpoint: {server.store_endpoint}")
        click.echo("Press Ctrl-C to stop.")
        sys.stdout.flush()
        while server.running:
            time.sleep(0.5)
        click.echo("error: the oxigraph server stopped unexpectedly", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("stopping")
    except (QueryError, TurtleError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        server.stop()
