"""How a node is named for people: its ``rdfs:label`` in one language, else a fallback."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDFS


def label(graph: Graph, node, lang: str = "en", default: str | None = None) -> str:
    """The ``rdfs:label`` of ``node`` tagged ``lang``; else ``default`` (the IRI when not given)."""
    for lab in graph.objects(node, RDFS.label):
        if getattr(lab, "language", None) == lang:
            return str(lab)
    return str(node) if default is None else default
