"""Parse the project's Turtle into one rdflib graph, with errors that name file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from .namespaces import bind_prefixes
from .paths import ontology_files


class TurtleError(Exception):
    """A Turtle file that does not parse; ``str()`` is ``FILE:LINE: what is wrong``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


_LINE_RE = re.compile(r"at line (\d+)")


def _describe(exc: Exception) -> tuple[int | None, str]:
    """The 1-based line and a one-line reason from one of rdflib's parser errors.

    rdflib's own ``BadSyntax.lines`` drifts on long files, so the line is recomputed from the
    character offset of the error in the parsed text.
    """
    text, offset = getattr(exc, "_str", None), getattr(exc, "_i", None)
    if isinstance(text, (str, bytes)) and isinstance(offset, int):
        newline = b"\n" if isinstance(text, bytes) else "\n"  # rdflib keeps the UTF-8 bytes
        line: int | None = text.count(newline, 0, offset) + 1
    else:
        m = _LINE_RE.search(str(exc))
        line = int(m.group(1)) if m else None
    reason = getattr(exc, "_why", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    return line, str(reason).strip()


def parse_turtle(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``graph`` (a new one by default) or raise :class:`TurtleError`."""
    graph = graph if graph is not None else bind_prefixes(Graph())
    try:
        data = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TurtleError(path, None, f"cannot read: {exc}") from exc
    scratch = Graph()
    try:
        scratch.parse(data=data, format="turtle", publicID=Path(path).resolve().as_uri())
    except Exception as exc:  # rdflib raises several unrelated exception types
        line, reason = _describe(exc)
        raise TurtleError(path, line, reason) from exc
    for triple in scratch:
        graph.add(triple)
    return graph


def load_graph(files: Iterable[Path] | None = None) -> Graph:
    """Load the project's graph (every ``ontology/*.ttl`` by default) with every prefix bound."""
    graph = bind_prefixes(Graph())
    for path in files if files is not None else ontology_files():
        parse_turtle(Path(path), graph)
    return graph
