"""How a node is named for people: the one label rule of the project.

``rdfs:label`` in the asked language, then in English, then the CURIE: every page, report, table and
picture names a node this way, so a term reads the same everywhere (and a Chinese page never shows
a bare IRI where an English label exists).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from exo_onto.terms.namespaces import curie


def best(literals: Iterable[object], lang: str = "en", english_fallback: bool = True) -> Literal | None:
    """The literal tagged ``lang``, else (unless ``english_fallback`` is off) the one tagged ``en``, else None.

    Ties (two labels in one language, which QC reports) go to the first in sorted order, so the choice
    never depends on parse order.
    """
    tagged = sorted((lit for lit in literals if isinstance(lit, Literal) and lit.language), key=str)
    for want in (lang, "en") if english_fallback else (lang,):
        for lit in tagged:
            if lit.language.lower() == want.lower():
                return lit
    return None


def label(graph: Graph, node, lang: str = "en", default: str | None = None, english_fallback: bool = True) -> str:
    """The name of ``node``: its ``rdfs:label`` in ``lang``, then in English (unless ``english_fallback``
    is off), then ``default`` (the CURIE when not given)."""
    found = best(graph.objects(node, RDFS.label), lang, english_fallback)
    if found is not None:
        return str(found)
    return curie(str(node)) if default is None else default
