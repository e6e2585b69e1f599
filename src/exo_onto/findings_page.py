"""A bilingual static HTML page of the findings, for readers who never write SPARQL.

Findings are grouped by MSC source and by cited study; each shows its Chinese sentence, the
English rendering, the evidence type, the claim with links to the external identifiers, and any
curator note. A small script filters the cards and switches the language shown.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from .labels import label
from .namespaces import BASE, BIBO, BIOLINK, CITO, MSCEXO, OA, PROV, curie, is_external_term
from .stats import finding_sources


@dataclass(frozen=True)
class Card:
    iri: str
    label_en: str
    label_zh: str
    subject: URIRef
    predicate: URIRef
    obj: URIRef
    direction: str
    evidence: str
    section: str
    quote: str
    rendering: str
    notes: tuple[str, ...]


def _name(g: Graph, node, lang: str = "en") -> str:
    """The label in ``lang``, else the CURIE: what a reader sees for a node."""
    return label(g, node, lang, default=curie(node))


def _cards(g: Graph) -> dict[URIRef, Card]:
    cards = {}
    for f in g.subjects(RDF.type, MSCEXO.Finding):
        span = g.value(f, PROV.wasDerivedFrom)
        quote = ""
        for sel in g.objects(span, OA.hasSelector):
            exact = g.value(sel, OA.exact)
            if exact is not None:
                quote = re.sub(r"\s+", "", str(exact)) if re.search(r"[\u4e00-\u9fff]", str(exact)) else str(exact)
        direction = g.value(f, MSCEXO.direction)
        section = g.value(f, MSCEXO.statedInSection)
        cards[f] = Card(
            str(f), _name(g, f), _name(g, f, "zh"), g.value(f, BIOLINK.subject), g.value(f, BIOLINK.predicate),
            g.value(f, BIOLINK.object), _name(g, direction) if direction else "",
            _name(g, g.value(f, BIOLINK.has_evidence)), str(g.value(section, MSCEXO.sectionNumber) or ""),
            quote, str(g.value(span, MSCEXO.englishRendering) or ""),
            tuple(sorted(str(n) for n in g.objects(f, SKOS.editorialNote))),
        )
    return cards


def _term(g: Graph, node) -> str:
    """A term as '<label> (CURIE)', linked to its IRI when it is an external identifier."""
    if node is None:
        return ""
    text = f'{html.escape(_name(g, node))} <span class="zh">{html.escape(_name(g, node, "zh"))}</span>'
    if isinstance(node, URIRef) and is_external_term(node):
        return f'{text} <a class="id" href="{html.escape(str(node))}">{html.escape(curie(node))}</a>'
    return text


def _card_html(g: Graph, c: Card) -> str:
    direction = f' <span class="dir dir-{html.escape(c.direction.split()[0])}">{html.escape(c.direction)}</span>' \
        if c.direction else ""
    notes = "".join(f'<p class="note">Curator note: {html.escape(n)}</p>' for n in c.notes)
    return (
        f'<article class="finding" id="{html.escape(c.iri.removeprefix(BASE))}">'
        f'<h4><span class="en">{html.escape(c.label_en)}</span> <span class="zh">{html.escape(c.label_zh)}</span></h4>'
        f'<p class="claim">{_term(g, c.subject)} → <em>{html.escape(_name(g, c.predicate))}</em>{direction} → '
        f'{_term(g, c.obj)}</p>'
        f'<blockquote class="zh quote" lang="zh">{html.escape(c.quote)}</blockquote>'
        f'<p class="en rendering" lang="en">{html.escape(c.rendering)}</p>'
        f'<p class="meta">Evidence: <span class="evidence">{html.escape(c.evidence)}</span> · '
        f'Section {html.escape(c.section)} · <code>{html.escape(curie(URIRef(c.iri)))}</code></p>{notes}</article>'
    )


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:70em;margin:auto;padding:1em;color:#222}
.finding{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.6em 0}
.finding h4{margin:.2em 0}.zh{color:#555}.quote{margin:.4em 0;padding-left:.8em;border-left:3px solid #a33}
.rendering{font-style:italic}.meta{font-size:.85em;color:#666}.note{font-size:.85em;background:#fff6d5;padding:.3em}
.dir{font-weight:bold}.dir-increased{color:#1a7f37}.dir-decreased{color:#b42318}.id{font-size:.8em}
body.only-en .zh{display:none} body.only-zh .en{display:none}
#filter{width:30em;padding:.3em}nav a{margin-right:1em}
"""

_SCRIPT = """
const box = document.getElementById('filter');
function applyFilter() {
  const q = box.value.toLowerCase(); let shown = 0;
  document.querySelectorAll('.finding').forEach(a => {
    const hit = a.textContent.toLowerCase().includes(q); a.hidden = !hit; if (hit) shown++; });
  document.getElementById('shown').textContent = shown;
}
box.addEventListener('input', applyFilter);
document.querySelectorAll('button[data-lang]').forEach(b => b.addEventListener('click', () => {
  document.body.className = b.dataset.lang === 'both' ? '' : 'only-' + b.dataset.lang; }));
"""


def render(graph: Graph) -> str:
    """The findings page as one self-contained HTML document."""
    cards = _cards(graph)
    by_source: dict[str, list[Card]] = defaultdict(list)
    for finding, source in finding_sources(graph):
        by_source[f"{_name(graph, source)} · {_name(graph, source, 'zh')}"].append(cards[finding])
    by_study: dict[URIRef, list[Card]] = defaultdict(list)
    for f, card in cards.items():
        for work in graph.objects(f, CITO.citesAsEvidence):
            by_study[work].append(card)

    def order(c: Card) -> str:
        return c.iri

    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        "<title>exo-onto findings · 研究发现</title>", f"<style>{_STYLE}</style></head><body>",
        "<h1>MSC exosomes for cartilage repair: the findings of one review</h1>",
        "<h2 class=\"zh\">间充质干细胞外泌体修复软骨：综述中的研究发现</h2>",
        f'<p>{len(cards)} findings · <span id="shown">{len(cards)}</span> shown. Each finding gives the Chinese '
        "sentence it rests on, an English rendering, its evidence type and links to the standard identifiers.</p>",
        '<p><input id="filter" type="search" placeholder="Filter: a gene, miRNA, model, 中文…"> '
        '<button data-lang="both">EN + 中文</button> <button data-lang="en">English</button> '
        '<button data-lang="zh">中文</button></p>',
        '<nav><a href="#by-source">By MSC source · 按细胞来源</a><a href="#by-study">By study · 按文献</a></nav>',
        '<section id="by-source"><h2>By MSC source <span class="zh">按间充质干细胞来源</span></h2>',
    ]
    for source in sorted(by_source):
        group = sorted(set(by_source[source]), key=order)
        out.append(f'<details class="source" open><summary><strong>{html.escape(source)}</strong> '
                   f"({len(group)})</summary>")
        out += [_card_html(graph, c) for c in group]
        out.append("</details>")
    out.append('</section><section id="by-study"><h2>By study <span class="zh">按引用文献</span></h2>')
    for work in sorted(by_study, key=lambda w: int(graph.value(w, MSCEXO.referenceNumber) or 0)):
        group = sorted(by_study[work], key=order)
        title = graph.value(work, URIRef("http://purl.org/dc/terms/title"))
        doi = graph.value(work, BIBO.doi)
        link = f' <a class="id" href="https://doi.org/{html.escape(str(doi))}">doi:{html.escape(str(doi))}</a>' \
            if doi else ""
        out.append(f'<details class="study" open><summary><strong>{html.escape(_name(graph, work))}</strong> '
                   f"({len(group)}){link}</summary>")
        if title:
            out.append(f"<p><em>{html.escape(str(title))}</em></p>")
        out += [_card_html(graph, c) for c in group]
        out.append("</details>")
    out.append(f"</section><script>{_SCRIPT}</script></body></html>\n")
    return "\n".join(out)
