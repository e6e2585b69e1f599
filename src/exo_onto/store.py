"""The embedded SPARQL store: pyoxigraph, loaded from an rdflib graph.

rdflib's SPARQL engine is fine for small lookups but slow for whole-graph checks (the QC
queries take minutes there and well under a second here), so analyses run on Oxigraph.
"""

from __future__ import annotations

import pyoxigraph
from rdflib import Graph, Literal


def oxigraph_store(graph: Graph) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding ``graph`` (loaded through N-Triples)."""
    from rdflib.plugins.serializers.nt import _nt_row

    store = pyoxigraph.Store()
    if any(isinstance(s, Literal) for s in graph.subjects(unique=True)):
        # RDFS inference (pyshacl's) adds generalised triples with literal subjects, which RDF forbids.
        data = "".join(_nt_row(t) for t in graph if not isinstance(t[0], Literal)).encode("utf-8")
    else:
        data = graph.serialize(format="nt", encoding="utf-8")
    store.bulk_load(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def term_text(term: object) -> str:
    """The plain text of an Oxigraph term (IRI, literal value or blank-node id); '' for unbound."""
    if term is None:
        return ""
    return str(getattr(term, "value", term))
