"""Canonical Turtle: sorted, stable prefixes, diff-friendly (rdflib ``longturtle``).

Every Turtle file in the repository is kept in this form; ``exo-onto fmt`` rewrites files
into it and ``exo-onto fmt --check`` (and the tests) fail on any file that is not.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from .loading import parse_turtle
from .namespaces import bind_prefixes
from .writing import write_text_atomic


def canonical_turtle(graph: Graph) -> str:
    """Serialize ``graph`` as canonical Turtle with the project's prefixes."""
    out = bind_prefixes(Graph())
    # Canonical blank-node labels make the order of anonymous axioms independent of parse order.
    for triple in to_canonical_graph(graph):
        out.add(triple)
    text = out.serialize(format="longturtle")
    return text if text.endswith("\n") else text + "\n"


def format_file(path: Path, check: bool = False) -> bool:
    """Rewrite ``path`` canonically (or only compare when ``check``); True if it was already canonical."""
    path = Path(path)
    current = path.read_text(encoding="utf-8")
    wanted = canonical_turtle(parse_turtle(path))
    if current == wanted:
        return True
    if not check:
        write_text_atomic(path, wanted)
    return False
