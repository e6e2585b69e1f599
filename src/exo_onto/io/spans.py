"""Text spans of the pinned source: find a quote, give its offsets, check stored spans.

Offsets count Unicode code points from 0 with an exclusive end, as the W3C Web Annotation
TextPositionSelector does. The review's lines break mid-sentence, so :func:`locate` matches a
quote typed without line breaks against the source with whitespace ignored, and returns the
verbatim span (line breaks included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from exo_onto.paths import source_text_path
from exo_onto.terms.namespaces import MSCEXO, OA

#: Characters of context kept in a TextQuoteSelector's prefix and suffix.
CONTEXT = 12
SOURCE_TEXT_IRI = MSCEXO["review-text-zh"]


class SpanError(ValueError):
    """A quote that is not in the source, or is in it more than once."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str

    @property
    def iri(self) -> URIRef:
        return MSCEXO[f"span-{self.start}-{self.end}"]


@lru_cache(maxsize=4)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def source_text(path: Path | None = None) -> str:
    """The pinned review text (exactly as stored, BOM and line breaks included)."""
    return _read(str(path or source_text_path()))


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and for each kept character its index in ``text``."""
    kept, index = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            kept.append(ch)
            index.append(i)
    return "".join(kept), index


def locate(quote: str, text: str | None = None) -> Span:
    """Find ``quote`` in the source (whitespace-insensitive); it must occur exactly once."""
    text = source_text() if text is None else text
    squeezed, index = _squeeze(text)
    needle, _ = _squeeze(quote)
    if not needle:
        raise SpanError("empty quote")
    hits = [m.start() for m in re.finditer(re.escape(needle), squeezed)]
    if not hits:
        raise SpanError(f"quote not found in the source text: {quote[:60]!r}")
    if len(hits) > 1:
        raise SpanError(f"quote occurs {len(hits)} times in the source; lengthen it: {quote[:60]!r}")
    start = index[hits[0]]
    end = index[hits[0] + len(needle) - 1] + 1
    return Span(start, end, text[start:end], text[max(0, start - CONTEXT):start], text[end:end + CONTEXT])


def span_triples(span: Span, rendering: str) -> Graph:
    """The RDF of one span: a TextSpan with a quote selector, a position selector and an English rendering."""
    g = Graph()
    quote, position = MSCEXO[f"span-{span.start}-{span.end}-quote"], MSCEXO[f"span-{span.start}-{span.end}-position"]
    g.add((span.iri, RDF.type, MSCEXO.TextSpan))
    g.add((span.iri, OA.hasSource, SOURCE_TEXT_IRI))
    g.add((span.iri, OA.hasSelector, quote))
    g.add((span.iri, OA.hasSelector, position))
    g.add((span.iri, MSCEXO.englishRendering, Literal(rendering, lang="en")))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(span.exact, lang="zh")))
    g.add((quote, OA.prefix, Literal(span.prefix, lang="zh")))
    g.add((quote, OA.suffix, Literal(span.suffix, lang="zh")))
    g.add((position, RDF.type, OA.TextPositionSelector))
    g.add((position, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
    g.add((position, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
    return g
