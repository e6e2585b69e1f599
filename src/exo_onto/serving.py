"""A real SPARQL server for the graph, and loading the graph into any SPARQL 1.1 store.

``OxigraphServer`` runs the Oxigraph server binary (PyPI package ``oxigraph``) on 127.0.0.1 and
stops it again; ``push_graph`` sends the graph to a Graph Store Protocol endpoint (Oxigraph's
``/store``, Fuseki's ``/DATASET/data``, GraphDB's ``/repositories/ID/rdf-graphs/service``, …), so
the stored queries can be asked of a shared store when the data outgrows one machine.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from rdflib import Graph

from .querying import QueryError, describe_http_error


class ServerError(QueryError):
    """The server could not be started, or did not answer in time."""


def oxigraph_executable() -> str:
    """The ``oxigraph`` binary: beside this Python (a venv's ``bin/``) or on ``PATH``."""
    here = Path(sys.executable).with_name("oxigraph")
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise ServerError("the oxigraph server binary is not installed (pip install oxigraph)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class OxigraphServer:
    """An Oxigraph SPARQL server on the loopback interface; use as a context manager.

    Queries read the union of all graphs (``--union-default-graph``), so data pushed into a
    named graph is answered by the stored queries unchanged.
    """

    def __init__(self, location: Path | None = None, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self._tmp = None if location else tempfile.TemporaryDirectory(prefix="exo-onto-oxigraph-")
        self.location = Path(location) if location else Path(self._tmp.name)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_endpoint(self) -> str:
        return f"{self.url}/query"

    @property
    def store_endpoint(self) -> str:
        return f"{self.url}/store"

    def start(self, timeout: float = 30.0) -> OxigraphServer:
        self.location.mkdir(parents=True, exist_ok=True)
        cmd = [oxigraph_executable(), "serve", "--location", str(self.location),
               "--bind", f"{self.host}:{self.port}", "--union-default-graph"]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
                raise ServerError(f"oxigraph exited at start (status {self.process.returncode}): "
                                  f"{' '.join(err.split())[:300]}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise ServerError(f"oxigraph did not answer on {self.url} within {timeout:g} s")

    def stop(self) -> None:
        """Stop the server process (TERM, then KILL) and remove a temporary database."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def gsp_target(endpoint: str, graph_iri: str | None = None) -> str:
    """The Graph Store Protocol URL for the default graph or for ``graph_iri``."""
    sep = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if graph_iri:
        return f"{endpoint}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"
    return f"{endpoint}{sep}default"


def push_graph(graph: Graph, endpoint: str, graph_iri: str | None = None, replace: bool = True,
               timeout: float = 120.0) -> int:
    """Load ``graph`` into a store through the SPARQL 1.1 Graph Store Protocol; return the triple count.

    ``replace`` uses PUT (the target graph becomes exactly ``graph``); otherwise POST (merge).
    The body is N-Triples, which every store accepts.
    """
    body = graph.serialize(format="nt", encoding="utf-8")
    request = urllib.request.Request(
        gsp_target(endpoint, graph_iri), data=body, method="PUT" if replace else "POST",
        headers={"Content-Type": "application/n-triples"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except Exception as exc:  # urllib raises HTTPError, URLError, TimeoutError, OSError
        raise QueryError(describe_http_error(endpoint, exc, timeout)) from None
    return len(graph)
