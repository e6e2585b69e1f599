"""``exo-onto serve``: a read-only Oxigraph SPARQL server on 127.0.0.1 loaded with the graph."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from exo_onto.io.load import TurtleError, load_store
from exo_onto.paths import ontology_files
from exo_onto.publish import serve as serving
from exo_onto.publish.query_page import build_page
from exo_onto.publish.serve import OxigraphServer, PortInUseError, QueryFront, Refused
from exo_onto.query.stored import QueryError


def _stop_on_signal(*_: object) -> None:
    raise KeyboardInterrupt


def _seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    try:
        return serving.valid_seconds(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _say(text: str, err: bool = False) -> None:
    """Echo that survives a closed terminal (SIGHUP): the server must still be stopped after it."""
    try:
        click.echo(text, err=err)
    except OSError:
        pass


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
              help="TCP port on 127.0.0.1 (0: any free port). A port in use is refused (exit 2).")
@click.option("--location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the database in DIR (default: a temporary folder, removed on exit). A missing or "
                   "empty DIR is created; an Oxigraph database in DIR gets the graph as its default graph; "
                   "any other non-empty DIR is refused.")
@click.option("--writable", is_flag=True,
              help="Also accept SPARQL updates and Graph Store writes. Unsafe: any local process, and any web "
                   "page open in your browser, can then change or delete the data and make the server fetch "
                   "URLs (SPARQL LOAD).")
@click.option("--query-timeout", type=float, default=serving.DEFAULT_QUERY_TIMEOUT, show_default=True,
              metavar="SECONDS", callback=_seconds,
              help="Server-side limit for one query (whole seconds, rounded up; at most a day).")
def command(port: int, location: Path | None, writable: bool, query_timeout: float) -> None:
    """Start an Oxigraph SPARQL server on 127.0.0.1 with the graph loaded, print its URL, serve until Ctrl-C.

    The root URL is the project's query page for the browser (its prefixes, every stored query as
    an example; it works offline); /query is the SPARQL endpoint for ``exo-onto query --endpoint``.
    The server is read-only (updates and Graph Store writes answer 403) unless --writable is given;
    each query is stopped after --query-timeout seconds. The server stops with this command:
    Ctrl-C, SIGTERM, SIGHUP, and on Linux even kill -9.

    Exit status: 0 stopped by Ctrl-C/SIGTERM/SIGHUP; 1 the graph does not load or the server
    fails; 2 usage error, including a --port somebody else already listens on and a --location
    that is neither empty nor an Oxigraph database, or is served by another exo-onto.
    """
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop_on_signal)
    server: OxigraphServer | None = None
    front: QueryFront | None = None
    status = 0
    try:
        if port and serving.port_in_use(port):  # before loading anything, and never talk to that server
            raise PortInUseError(f"port {port} on 127.0.0.1 is already in use by another program; "
                                 "choose another --port, or --port 0 for any free port")
        if location is not None:
            serving.check_location(location)
        # The user's port is the query page's, taken now; Oxigraph answers behind it on a port of its own.
        front = QueryFront(b"", "", port=port, upstream_timeout=query_timeout + 30).bind()
        # The loader `check` uses (Oxigraph's parser, one FILE:LINE error): what the server will hold, without
        # building an rdflib graph first (a second of start-up on the project).
        loaded = load_store(ontology_files())
        n = loaded.triples
        page = build_page(triples=n)
        front.page, front.csp = page.body, page.csp
        server = OxigraphServer(location=location, port=0, data=loaded.store, writable=writable,
                                query_timeout=query_timeout)
        server.start()
        del loaded  # loaded into the database: its memory is not needed while serving
        front.start(server)
        url = front.url
        mode = "WRITABLE" if writable else "read-only"
        _say(f"Oxigraph SPARQL server ({mode}) with {n} triples: {url}/")
        _say(f"  query page (browser): {url}/")
        _say(f"  SPARQL endpoint:      {url}/query")
        _say(f"  Graph Store endpoint: {url}/store" + ("" if writable else " (reads only)"))
        _say(f"  query timeout {server.query_timeout} s; server process {server.pid}")
        if writable:
            _say("warning: --writable: any local process or web page can change or delete this data "
                 "and make the server fetch URLs", err=True)
        _say("Press Ctrl-C to stop.")
        sys.stdout.flush()
        while server.running and front.running:
            time.sleep(0.5)
        why = server.last_error if not server.running else "the query page stopped answering"
        _say(f"error: the oxigraph server stopped unexpectedly: {why}", err=True)
        status = 1
    except KeyboardInterrupt:
        _say("stopping")
    except Refused as exc:  # a taken port, a --location that is not ours: nothing was done
        _say(f"error: {exc}", err=True)
        status = 2
    except (QueryError, TurtleError) as exc:
        _say(f"error: {exc}", err=True)
        status = 1
    finally:
        for sig in handlers:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
        if front is not None:
            front.stop()
        if server is not None:
            server.stop()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    sys.exit(status)
