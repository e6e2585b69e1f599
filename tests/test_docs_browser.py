"""The documentation as a reader sees it, in a real headless browser (Debian's Chromium via Playwright).

One documentation build and one browser serve the whole module. Expected values come from the
graph and the TBox read here with rdflib, never from the code that writes the pages.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from exo_onto.terms.namespaces import BIOLINK, CITO, DEFINITION, MSCEXO, OBOINOWL

WAIT_MS = 10_000  # the deadline of every wait in the page
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


@pytest.fixture
def page(browser):
    pg = browser.new_page()
    pg.set_default_timeout(WAIT_MS)
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def findings(graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, MSCEXO.Finding))


def zh(graph, node) -> str:
    return next(str(o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "zh")


def norm(text: str) -> str:
    return " ".join(text.split())


DUPLICATE_IDS = "() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => " \
                "seen[e.id] = (seen[e.id] || 0) + 1); return Object.keys(seen).filter(k => seen[k] > 1); }"


# --- the findings page ------------------------------------------------------------------------------


def test_findings_page_shows_every_finding_and_filters(page, docs, findings):
    total = len(findings)
    page.goto((docs / "findings.html").as_uri())
    assert "研究发现" in page.title()
    assert page.locator("#total").inner_text() == str(total)
    assert page.locator("#shown").inner_text() == str(total)
    # Every finding appears under at least one study (the review's own claims under their own group).
    assert {c.get_attribute("data-finding") for c in page.locator("#by-study .finding").all()} == \
        {str(f).removeprefix(str(MSCEXO)) for f in findings}
    page.fill("#filter", "WNT5A")
    page.wait_for_function(f"document.getElementById('shown').textContent !== '{total}'", timeout=WAIT_MS)
    shown = int(page.locator("#shown").inner_text())
    assert 0 < shown < total
    for card in page.locator(".finding:visible").all():  # the filter is case-insensitive
        assert "wnt5a" in card.text_content().lower()


def test_the_counter_counts_each_finding_once_also_after_the_filter_is_cleared(page, docs, findings):
    page.goto((docs / "findings.html").as_uri())
    page.fill("#filter", "cartilage")
    page.wait_for_function(f"document.getElementById('shown').textContent !== '{len(findings)}'", timeout=WAIT_MS)
    distinct = page.evaluate("() => new Set([...document.querySelectorAll('.finding')]"
                             ".filter(c => c.checkVisibility()).map(c => c.dataset.finding)).size")
    assert int(page.locator("#shown").inner_text()) == distinct
    page.fill("#filter", "")
    page.wait_for_function(f"document.getElementById('shown').textContent === '{len(findings)}'", timeout=WAIT_MS)
    # The bug: "215 findings · 373 shown" — the cards shown under a source and a study counted twice.
    assert page.locator(".finding").count() > len(findings)
    assert page.locator("#shown").inner_text() == page.locator("#total").inner_text() == str(len(findings))
    assert page.locator("#none").is_hidden()
    page.fill("#filter", "no finding says this 1234567")
    page.wait_for_function("document.getElementById('shown').textContent === '0'", timeout=WAIT_MS)
    assert page.locator("#none").is_visible()


def test_every_element_id_is_unique(page, docs):
    page.goto((docs / "findings.html").as_uri())
    assert page.locator("[id]").count() > 300
    assert page.evaluate(DUPLICATE_IDS) == []


def test_a_curator_note_is_labelled_once(page, docs, graph, findings):
    page.goto((docs / "findings.html").as_uri())
    body = page.locator("body").inner_text()
    assert not re.search(r"curator note:\s*curator note", body, re.I)
    notes = page.evaluate("() => [...document.querySelectorAll('#by-study .finding')].map(c => "
                          "[c.dataset.finding, [...c.querySelectorAll('.note')].map(n => n.innerText)])")
    assert notes
    for local, texts in notes:
        expected = list(graph.objects(MSCEXO[local], SKOS.editorialNote))
        assert len(texts) == len(expected), local
        for text in texts:
            assert text.startswith("Curator note:") and not re.match(r"curator note:\s*curator note", text, re.I)
    assert sum(len(t) for _, t in notes) >= sum(1 for f in findings for _ in graph.objects(f, SKOS.editorialNote))


def test_groups_count_only_their_matches_and_hide_when_none_match(page, docs):
    page.goto((docs / "findings.html").as_uri())
    page.fill("#filter", "WNT5A")
    page.wait_for_function("document.getElementById('shown').textContent !== document.getElementById('total')"
                           ".textContent", timeout=WAIT_MS)
    groups = page.evaluate("() => [...document.querySelectorAll('details.group')].map(g => [g.id, g.hidden, "
                           "+g.querySelector('.count').textContent, [...g.querySelectorAll('.finding')]"
                           ".filter(c => !c.hidden).length])")
    hidden = [g for g in groups if g[1]]
    assert hidden and len(hidden) < len(groups), "some groups match WNT5A, others not"
    for gid, is_hidden, count, visible in groups:
        assert count == visible, gid
        assert is_hidden == (visible == 0), gid
    page.fill("#filter", "")
    page.wait_for_function("document.getElementById('shown').textContent === document.getElementById('total')"
                           ".textContent", timeout=WAIT_MS)
    for gid, is_hidden, count, visible in page.evaluate(
            "() => [...document.querySelectorAll('details.group')].map(g => [g.id, g.hidden, "
            "+g.querySelector('.count').textContent, g.querySelectorAll('.finding').length])"):
        assert not is_hidden and count == visible > 0, gid


def test_a_finding_reads_as_the_source_says(page, docs):
    page.goto((docs / "findings.html").as_uri())
    # [25]: miR-92a-3p directly targets WNT5A (section 1.2 of the review).
    card = page.locator("#by-study article[data-finding='finding-1.2-26']")
    text = card.inner_text()
    assert "miR-92a-3p通过直接靶向WNT5A" in text  # the Chinese sentence, line breaks removed
    assert "Section 1.2" in text
    link = card.locator("a.id", has_text="hgnc:12784")
    assert link.get_attribute("href") == "https://identifiers.org/hgnc:12784"


def test_the_source_spacing_between_latin_words_is_kept(page, docs, graph):
    page.goto((docs / "findings.html").as_uri())
    quotes = " ".join(page.evaluate("() => [...document.querySelectorAll('.quote')].map(q => q.textContent)"))
    # The pinned source breaks lines inside sentences; joining them must not glue English words together.
    assert "yes-associated protein" in quotes and "yes-associatedprotein" not in quotes
    assert "\n" not in quotes


def test_language_buttons_hide_the_other_language(page, docs):
    page.goto((docs / "findings.html").as_uri())
    first = page.locator(".finding").first
    page.click("button[data-lang='zh']")
    assert not first.locator(".rendering").is_visible()
    assert first.locator(".quote").is_visible()
    page.click("button[data-lang='en']")
    assert first.locator(".rendering").is_visible()
    assert not first.locator(".quote").is_visible()
    assert not first.locator(".claim .zh").first.is_visible()


VISIBLE_TEXT = r"""
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode()); ) {
    const el = n.parentElement;
    // identifiers (CURIEs, DOIs), the cited papers' own titles and the language switch stay as written
    if (el.closest('script, style, code, a.id, cite, .lang-switch') || !el.checkVisibility()) continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  return out;
}
"""


def test_chinese_mode_is_chinese(page, docs, graph, findings):
    page.goto((docs / "findings.html").as_uri())
    page.click("button[data-lang='zh']")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert CJK.search(page.locator("#filter").get_attribute("placeholder"))
    # Nothing visible is English prose: a text without a Chinese character has at most one Latin word
    # (a gene symbol, an acronym such as BMSC, a number).
    english = [t for t in page.evaluate(VISIBLE_TEXT)
               if not CJK.search(t) and re.search(r"[A-Za-z]{2,}[\s,;:]+[A-Za-z]{2,}", t)]
    assert english == []
    # Each card: the claim and the evidence type by their Chinese labels (every term has one).
    cards = page.evaluate("() => [...document.querySelectorAll('#by-study .finding')].map(c => [c.dataset.finding, "
                          "c.querySelector('.subject').innerText, c.querySelector('.predicate').innerText, "
                          "c.querySelector('.object').innerText, c.querySelector('.evidence').innerText])")
    assert {c[0] for c in cards} == {str(f).removeprefix(str(MSCEXO)) for f in findings}
    for local, subject, predicate, obj, evidence in cards:
        f = MSCEXO[local]
        assert subject.startswith(zh(graph, graph.value(f, BIOLINK.subject))), local
        assert predicate == zh(graph, graph.value(f, BIOLINK.predicate)), local
        assert obj.startswith(zh(graph, graph.value(f, BIOLINK.object))), local
        assert evidence == zh(graph, graph.value(f, BIOLINK.has_evidence)), local
    study = page.locator("details.study summary").first.inner_text()
    work = min(graph.objects(None, CITO.citesAsEvidence), key=lambda w: int(graph.value(w, MSCEXO.referenceNumber)))
    assert study.startswith(zh(graph, work))


# --- the mechanism picture and the index ------------------------------------------------------------


def test_mechanism_pictures_and_index(page, docs):
    page.goto((docs / "index.html").as_uri())
    for name in ("mechanism.en.svg", "mechanism.zh.svg", "ontology.en.html", "ontology.zh.html", "findings.html"):
        assert page.locator(f"a[href='{name}']").count() == 1, name
    page.goto((docs / "mechanism.en.svg").as_uri())
    svg = page.content()
    for name in ("hsa-miR-92a-3p", "WNT5A", "mesenchymal stem cell of the bone marrow", "hsa-miR-140-5p", "RALA"):
        assert name in svg
    page.goto((docs / "mechanism.zh.svg").as_uri())
    assert "骨髓间充质干细胞" in page.content()
    for lang in ("en", "zh"):
        assert (docs / f"mechanism.{lang}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the ontology pages (pyLODE) --------------------------------------------------------------------

ENTITIES = """
() => [...document.querySelectorAll('div.entity')].map(d => {
  const rows = {};
  d.querySelectorAll(':scope > table > tbody > tr, :scope > table > tr').forEach(tr => {
    const th = tr.querySelector('th'), td = tr.querySelector('td');
    if (!th || !td) return;
    const items = td.querySelectorAll(':scope > ul > li');
    rows[th.innerText.trim()] = items.length ? [...items].map(li => li.innerText) : [td.innerText];
  });
  return {id: d.id, title: d.querySelector('h3').childNodes[0].textContent, iri: rows['IRI'][0], rows};
})
"""


@pytest.fixture(scope="module")
def ontology_pages(browser, docs):
    out = {}
    for lang in ("en", "zh"):
        pg = browser.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.goto((docs / f"ontology.{lang}.html").as_uri())
        out[lang] = {"entities": pg.evaluate(ENTITIES), "duplicates": pg.evaluate(DUPLICATE_IDS),
                     "dangling": pg.evaluate("() => [...document.querySelectorAll('a[href^=\"#\"]')]"
                                             ".map(a => a.getAttribute('href').slice(1))"
                                             ".filter(id => id && !document.getElementById(id))"),
                     "lang": pg.evaluate("document.documentElement.lang"),
                     "text": pg.locator("body").inner_text()}
        pg.close()
    return out


def literals(graph, prop, langs=None) -> set[tuple[str, str]]:
    return {(str(s), norm(str(o))) for s, o in graph.subject_objects(prop)
            if isinstance(s, URIRef) and isinstance(o, Literal) and (langs is None or o.language in langs)}


def shown(entities, row: str) -> set[tuple[str, str]]:
    return {(e["iri"], norm(v)) for e in entities for v in e["rows"].get(row, [])}


@pytest.mark.parametrize(("lang", "row"), [("en", "Definition"), ("zh", "定义")])
def test_the_ontology_page_shows_every_definition(ontology_pages, ontology, lang, row):
    """The project's terms carry definitions; external terms carry the project's gloss instead (their
    source's definition is not on file), shown under that annotation's label."""
    expected = literals(ontology, DEFINITION)
    assert len(expected) > 200
    on_page = shown(ontology_pages[lang]["entities"], row)
    assert len(on_page) == len(expected)
    assert on_page == expected
    if lang == "en":  # the gloss of an external term, on its own row
        glosses = literals(ontology, MSCEXO.projectGloss)
        assert len(glosses) > 200
        assert shown(ontology_pages[lang]["entities"], "Project Gloss") == glosses


def test_the_ontology_pages_show_every_synonym_and_editor_note(ontology_pages, ontology):
    en, zh_ = ontology_pages["en"]["entities"], ontology_pages["zh"]["entities"]
    exact = literals(ontology, OBOINOWL.hasExactSynonym, {"en", None})
    assert exact and shown(en, "Exact Synonym") == exact
    exact_zh = literals(ontology, OBOINOWL.hasExactSynonym, {"zh"})
    assert exact_zh and shown(zh_, "精确同义词") == exact_zh
    notes = literals(ontology, SKOS.editorialNote)
    assert notes and shown(en, "Editor Note") == notes


def test_each_language_has_its_own_page(ontology_pages, ontology):
    assert ontology_pages["en"]["lang"] == "en" and ontology_pages["zh"]["lang"] == "zh-Hans"
    for lang in ("en", "zh"):
        assert "stem cell干细胞" not in ontology_pages[lang]["text"]
        for e in ontology_pages[lang]["entities"]:
            labels = {str(o) for o in ontology.objects(URIRef(e["iri"]), RDFS.label) if o.language == lang}
            if labels:  # the heading is the label in the page's language, and nothing else
                assert norm(e["title"]) in {norm(x) for x in labels}, e["iri"]
    stem = {e["iri"]: e for e in ontology_pages["en"]["entities"]}["http://purl.obolibrary.org/obo/CL_0000034"]
    assert stem["rows"]["Chinese Label"] == ["干细胞"]


def test_the_ontology_pages_have_unique_anchors_that_resolve(ontology_pages, ontology):
    for lang in ("en", "zh"):
        page_ = ontology_pages[lang]
        assert page_["duplicates"] == [], lang
        assert page_["dangling"] == [], lang
        ids = {e["iri"]: e["id"] for e in page_["entities"]}
        assert ids[str(MSCEXO.direction)] == "direction"
        assert len(ids) == len(page_["entities"]), "every term is documented once"
    headers = set(ontology.subjects(RDF.type, OWL.Ontology))
    documented = {str(s) for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s not in headers}
    assert set(ids) == documented, "classes, properties and named individuals"
