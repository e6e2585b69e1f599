"""A bilingual static HTML page of the findings, for readers who never write SPARQL.

Findings are grouped by MSC source and by cited study (what the review states without a citation
forms a group of its own); each shows its Chinese sentence, the English rendering, the evidence
type, the claim with links to the external identifiers, and any curator note. A small script
filters the cards (counting each finding once, however many groups show it, and each group's
matches) and switches the language: every piece of text exists as an English and a Chinese span,
so 中文 mode shows Chinese only (identifiers, gene symbols and the cited papers' own titles stay
as they are written).
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from exo_onto.query.stats import finding_sources
from exo_onto.terms.labels import label
from exo_onto.terms.namespaces import BASE, BIBO, BIOLINK, CITO, MSCEXO, OA, PROV, curie, is_external_term


@dataclass(frozen=True)
class Card:
    iri: URIRef
    label_en: str
    label_zh: str
    subject: URIRef | None
    predicate: URIRef | None
    obj: URIRef | None
    direction: URIRef | None
    evidence: URIRef | None
    section: str
    quote: str
    rendering: str
    notes: tuple[str, ...]

    @property
    def local(self) -> str:
        """The finding's name in the project namespace (``finding-1.2-26``): its key on the page."""
        return _local(self.iri)


def _local(iri) -> str:
    s = str(iri)
    return s[len(BASE):] if s.startswith(BASE) else curie(s)


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _name(g: Graph, node, lang: str = "en") -> str:
    """The label in ``lang``, else the English one, else the CURIE: what a reader sees for a node."""
    fallback = curie(node)
    return label(g, node, lang, default=fallback)


def _both(en: str, zh: str) -> str:
    """One text in both languages: the page's script shows one or both."""
    return f'<span class="en">{html.escape(en)}</span> <span class="zh" lang="zh">{html.escape(zh)}</span>'


def _names(g: Graph, node) -> str:
    return _both(_name(g, node), _name(g, node, "zh"))


def _join_lines(text: str) -> str:
    """The source's Chinese with its PDF line breaks and spacing removed: whitespace next to a CJK
    character goes, whitespace between two Latin words or numbers becomes one space (``1.5 mm``,
    ``yes-associated protein``)."""

    def gap(m: re.Match) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        return " " if before and after and ord(before) < 0x2E80 and ord(after) < 0x2E80 else ""

    return re.sub(r"\s+", gap, text)


_CURATOR_NOTE = re.compile(r"^\s*curator note\s*:\s*", re.IGNORECASE)


def _cards(g: Graph) -> dict[URIRef, Card]:
    cards = {}
    for f in g.subjects(RDF.type, MSCEXO.Finding):
        span = g.value(f, PROV.wasDerivedFrom)
        quote = ""
        for sel in g.objects(span, OA.hasSelector):
            exact = g.value(sel, OA.exact)
            if exact is not None:
                quote = _join_lines(str(exact))
        section = g.value(f, MSCEXO.statedInSection)
        cards[f] = Card(
            f, _name(g, f), _name(g, f, "zh"), g.value(f, BIOLINK.subject), g.value(f, BIOLINK.predicate),
            g.value(f, BIOLINK.object), g.value(f, MSCEXO.direction), g.value(f, BIOLINK.has_evidence),
            str(g.value(section, MSCEXO.sectionNumber) or ""), quote,
            str(g.value(span, MSCEXO.englishRendering) or ""),
            # the page says "Curator note:" itself; some notes begin with it too
            tuple(sorted(_CURATOR_NOTE.sub("", str(n)) for n in g.objects(f, SKOS.editorialNote))),
        )
    return cards


def _term(g: Graph, node) -> str:
    """A term in both languages, linked by its CURIE when it is an external identifier."""
    if node is None:
        return ""
    text = _names(g, node)
    if isinstance(node, URIRef) and is_external_term(node):
        return f'{text} <a class="id" href="{html.escape(str(node))}">{html.escape(curie(node))}</a>'
    return text


def _section_names(number: str) -> tuple[str, str]:
    named = {"abstract": ("Abstract", "摘要"), "introduction": ("Introduction", "引言")}
    if number in named:
        return named[number]
    return f"Section {number}", f"第 {number} 节"


def _card_html(g: Graph, c: Card, group: str) -> str:
    direction = ""
    if c.direction is not None:
        kind = _anchor(_local(c.direction))
        direction = f' <span class="dir dir-{kind}">{_names(g, c.direction)}</span>'
    notes = "".join(f'<p class="note en" lang="en"><strong>Curator note:</strong> {html.escape(n)}</p>'
                    for n in c.notes)
    section_en, section_zh = _section_names(c.section)
    return (
        f'<article class="finding" id="{group}--{html.escape(_anchor(c.local))}" '
        f'data-finding="{html.escape(c.local)}">'
        f"<h4>{_both(c.label_en, c.label_zh)}</h4>"
        f'<p class="claim"><span class="subject">{_term(g, c.subject)}</span> → '
        f'<em class="predicate">{_names(g, c.predicate) if c.predicate is not None else ""}</em>{direction} → '
        f'<span class="object">{_term(g, c.obj)}</span></p>'
        f'<blockquote class="zh quote" lang="zh">{html.escape(c.quote)}</blockquote>'
        f'<p class="en rendering" lang="en">{html.escape(c.rendering)}</p>'
        f'<p class="meta">{_both("Evidence:", "证据：")} <span class="evidence">'
        f'{_names(g, c.evidence) if c.evidence is not None else ""}</span> · {_both(section_en, section_zh)} · '
        f"<code>{html.escape(curie(c.iri))}</code></p>{notes}</article>"
    )


def _group_html(g: Graph, group: str, kind: str, title: str, cards: list[Card], extra: str = "") -> list[str]:
    return [f'<details class="group {kind}" id="{group}" open><summary><strong>{title}</strong> '
            f'(<span class="count" data-total="{len(cards)}">{len(cards)}</span>){extra}</summary>',
            *(_card_html(g, c, group) for c in cards), "</details>"]


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:70em;margin:auto;padding:1em;color:#222}
.finding{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;margin:.6em 0}
.finding h4{margin:.2em 0}.zh{color:#555}.quote{margin:.4em 0;padding-left:.8em;border-left:3px solid #a33}
.rendering{font-style:italic}.meta{font-size:.85em;color:#666}.note{font-size:.85em;background:#fff6d5;padding:.3em}
.dir{font-weight:bold}.dir-Increased{color:#1a7f37}.dir-Decreased{color:#b42318}.id{font-size:.8em}
h1 .zh{display:block;font-size:.8em}
body.only-en .zh{display:none} body.only-zh .en{display:none}
#filter{width:30em;padding:.3em}nav a{margin-right:1em}button[aria-pressed=true]{font-weight:bold}
"""

_SCRIPT = """
const box = document.getElementById('filter');
function applyFilter() {
  const q = box.value.trim().toLowerCase();
  const shown = new Set();
  document.querySelectorAll('details.group').forEach(group => {
    let n = 0;
    group.querySelectorAll('.finding').forEach(card => {
      const hit = !q || card.textContent.toLowerCase().includes(q);
      card.hidden = !hit;
      if (hit) { n++; shown.add(card.dataset.finding); }
    });
    group.querySelector('.count').textContent = n;
    group.hidden = n === 0;
  });
  document.getElementById('shown').textContent = shown.size;
  document.getElementById('none').hidden = shown.size > 0;
}
box.addEventListener('input', applyFilter);
const titles = {both: 'exo-onto findings · 研究发现', en: 'exo-onto findings', zh: 'exo-onto 研究发现'};
function setLanguage(lang) {
  document.body.className = lang === 'both' ? '' : 'only-' + lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-Hans' : 'en';
  document.title = titles[lang];
  box.placeholder = box.dataset['placeholder' + lang[0].toUpperCase() + lang.slice(1)];
    document.querySelectorAll('button[data-lang]').forEach(
    b => b.setAttribute('aria-pressed', b.dataset.lang === lang));
}
document.querySelectorAll('button[data-lang]').forEach(
  b => b.addEventListener('click', () => setLanguage(b.dataset.lang)));
"""

_PLACEHOLDER = {"both": "Filter: a gene, miRNA, model, 中文…", "en": "Filter: a gene, miRNA, model…",
                "zh": "筛选：基因、miRNA、模型…"}


def render(graph: Graph) -> str:
    """The findings page as one self-contained HTML document."""
    cards = _cards(graph)
    by_source: dict[URIRef, set[URIRef]] = defaultdict(set)
    for finding, source in finding_sources(graph):
        by_source[source].add(finding)
    by_study: dict[URIRef, list[Card]] = defaultdict(list)
    uncited: list[Card] = []
    for f, card in cards.items():
        works = list(graph.objects(f, CITO.citesAsEvidence))
        for work in works:
            by_study[work].append(card)
        if not works:
            uncited.append(card)

    def order(c: Card) -> str:
        return str(c.iri)

    title = _both("MSC exosomes for cartilage repair: the findings of one review",
                  "间充质干细胞外泌体修复软骨：综述中的研究发现")
    intro = _both("Each finding gives the Chinese sentence it rests on, an English rendering, its evidence type and "
                  "links to the standard identifiers.",
                  "每条研究发现给出其依据的中文原句、英文译文、证据类型及标准标识符的链接。")
    placeholders = " ".join(f'data-placeholder-{k}="{html.escape(v)}"' for k, v in _PLACEHOLDER.items())
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        "<title>exo-onto findings · 研究发现</title>", f"<style>{_STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="counts">{_both("Findings:", "研究发现：")} <strong id="total">{len(cards)}</strong> · '
        f'{_both("shown:", "显示：")} <strong id="shown">{len(cards)}</strong></p>',
        f"<p>{intro}</p>",
        f'<p><input id="filter" type="search" placeholder="{html.escape(_PLACEHOLDER["both"])}" {placeholders}> '
        '<span class="lang-switch"><button data-lang="both" aria-pressed="true">EN + 中文</button> '
        '<button data-lang="en" aria-pressed="false">English</button> '
        '<button data-lang="zh" aria-pressed="false">中文</button></span></p>',
        f'<p id="none" hidden>{_both("No finding matches the filter.", "没有符合筛选条件的研究发现。")}</p>',
        f'<nav><a href="#by-source">{_both("By MSC source", "按细胞来源")}</a>'
        f'<a href="#by-study">{_both("By study", "按文献")}</a></nav>',
        f'<section id="by-source"><h2>{_both("By MSC source", "按间充质干细胞来源")}</h2>',
    ]
    for source in sorted(by_source, key=lambda s: (_name(graph, s).casefold(), str(s))):
        group = sorted((cards[f] for f in by_source[source]), key=order)
        out += _group_html(graph, "source-" + _anchor(curie(source)), "source", _names(graph, source), group)
    out.append(f'</section><section id="by-study"><h2>{_both("By study", "按引用文献")}</h2>')
    for work in sorted(by_study, key=lambda w: (int(graph.value(w, MSCEXO.referenceNumber) or 0), str(w))):
        group = sorted(by_study[work], key=order)
        paper = graph.value(work, DCTERMS.title)
        doi = graph.value(work, BIBO.doi)
        link = f' <a class="id" href="https://doi.org/{html.escape(str(doi))}">doi:{html.escape(str(doi))}</a>' \
            if doi else ""
        body = _group_html(graph, "study-" + _anchor(_local(work)), "study", _names(graph, work), group, link)
        if paper:  # the paper's own title, in its own language, as the review's reference list gives it
            lang = f' lang="{html.escape(paper.language)}"' if getattr(paper, "language", None) else ""
            body.insert(1, f'<p><cite{lang}>{html.escape(str(paper))}</cite></p>')
        out += body
    if uncited:
        out += _group_html(graph, "study-none", "study",
                           _both("Stated by the review itself (no cited study)", "综述自身的论述（未引文献）"),
                           sorted(uncited, key=order))
    out.append(f"</section><script>{_SCRIPT}</script></body></html>\n")
    return "\n".join(out)
