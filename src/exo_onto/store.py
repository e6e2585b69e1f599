"""The embedded SPARQL store: pyoxigraph, loaded from an rdflib graph.

rdflib's SPARQL engine is fine for small lookups but slow for whole-graph checks (the QC
queries take minutes there and well under a second here), so analyses run on Oxigraph.
"""

from __future__ import annotations

import pyoxigraph
from rdflib import Graph


def oxigraph_store(graph: Graph) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding ``graph`` (see :func:`exo_onto.loading.store_from_graph`)."""
    from .loading import store_from_graph

    return store_from_graph(graph).store


def term_text(term: object) -> str:
    """The plain text of an Oxigraph term (IRI, literal value or blank-node id); '' for unbound."""
    if term is None:
        return ""
    return str(getattr(term, "value", term))
