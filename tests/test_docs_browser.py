"""The documentation as a reader sees it, in a real headless browser (Debian's Chromium via Playwright)."""

import shutil

import pytest
from playwright.sync_api import sync_playwright
from rdflib.namespace import RDF

from exo_onto.docs import build_docs
from exo_onto.namespaces import MSCEXO

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs") / "docs"
    build_docs(out)
    return out


@pytest.fixture(scope="module")
def page(docs):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed for this test (scripts/ensure-system-deps.sh installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        pg = browser.new_page()
        yield pg
        browser.close()


def test_findings_page_shows_every_finding_and_filters(page, docs, graph):
    total = len(set(graph.subjects(RDF.type, MSCEXO.Finding)))
    page.goto((docs / "findings.html").as_uri())
    assert "研究发现" in page.title()
    assert page.locator("#shown").inner_text() == str(total)
    # Every finding appears once under its study (a finding citing several studies appears under each).
    assert page.locator("#by-study .finding").count() >= total
    page.fill("#filter", "WNT5A")
    page.wait_for_function(f"document.getElementById('shown').textContent !== '{total}'")
    shown = int(page.locator("#shown").inner_text())
    assert 0 < shown < total
    for card in page.locator(".finding:visible").all():  # the filter is case-insensitive
        assert "wnt5a" in card.text_content().lower()


def test_a_finding_reads_as_the_source_says(page, docs):
    page.goto((docs / "findings.html").as_uri())
    # [25]: miR-92a-3p directly targets WNT5A (section 1.2 of the review).
    card = page.locator("#by-study article[id='finding-1.2-26']")
    text = card.inner_text()
    assert "miR-92a-3p通过直接靶向WNT5A" in text  # the Chinese sentence, line breaks removed
    assert "Section 1.2" in text
    link = card.locator("a.id", has_text="HGNC:12784")
    assert link.get_attribute("href") == "https://identifiers.org/hgnc:12784"


def test_language_buttons_hide_the_other_language(page, docs):
    page.goto((docs / "findings.html").as_uri())
    first = page.locator(".finding").first
    page.click("button[data-lang='zh']")
    assert not first.locator(".rendering").is_visible()
    assert first.locator(".quote").is_visible()
    page.click("button[data-lang='en']")
    assert first.locator(".rendering").is_visible()
    assert not first.locator(".quote").is_visible()


def test_mechanism_picture_and_index(page, docs):
    page.goto((docs / "index.html").as_uri())
    assert page.locator("a", has_text="Mechanism network (SVG)").count() == 1
    page.goto((docs / "mechanism.svg").as_uri())
    svg = page.content()
    for name in ("hsa-miR-92a-3p", "WNT5A", "mesenchymal stem cell of the bone marrow", "hsa-miR-140-5p", "RALA"):
        assert name in svg
    assert (docs / "mechanism.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ontology_page_lists_classes(page, docs):
    page.goto((docs / "ontology.html").as_uri())
    body = page.locator("body").inner_text()
    assert "bone marrow MSC-derived exosome" in body
    assert "exo-onto" in page.title() or "exo-onto" in body
