"""Human-readable documentation: pyLODE pages for the ontology (one per language) and a page of
the shapes, the bilingual findings page and the mechanism picture in English and Chinese, written
atomically into one folder with an index page. Every file is the same bytes on every run.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from rdflib import Graph

from exo_onto.io.load import load_graph, load_ontology, parse_turtle
from exo_onto.io.serialize import canonical
from exo_onto.io.write import DEFAULT_WAIT, PathArg, claim_output
from exo_onto.paths import shapes_dir
from exo_onto.publish.findings_page import render as render_findings
from exo_onto.publish.mechanism import LANGUAGES, to_dot
from exo_onto.publish.mechanism import render as render_picture
from exo_onto.publish.ontology_page import ontology_page, page_name


def tbox_graph() -> Graph:
    """The ontology the reference pages document: the TBox with its import modules and bridge, under the
    TBox's own header (a module's header would otherwise title the page)."""
    return load_ontology()


def shapes_html(shapes: Graph) -> str:
    """A table of every SHACL shape: target, path, severity and message (pyLODE documents OWL, not SHACL)."""
    from rdflib import Literal, URIRef

    from exo_onto.terms.namespaces import SH, curie

    def v(node, local):
        value = shapes.value(node, SH[local])
        if value is None:
            return ""
        if isinstance(value, URIRef):
            return curie(value)
        return "(path expression)" if local == "path" and not isinstance(value, Literal) else str(value)

    rows = []
    for shape in sorted(set(shapes.subjects(SH.message, None)) |
                        set(shapes.subjects(SH.severity, None)), key=str):
        owner = next(iter(shapes.subjects(SH.property, shape)), None) or \
            next(iter(shapes.subjects(SH.sparql, shape)), None)
        target = v(owner, "targetClass") if owner is not None else v(shape, "targetClass")
        rows.append("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in (
            curie(shape), target, v(shape, "path"), v(shape, "severity").rsplit("#", 1)[-1],
            v(shape, "message"))) + "</tr>")
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>exo-onto SHACL shapes</title>'
            "<style>td,th{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}table{border-collapse:collapse}"
            "</style></head><body><h1>exo-onto SHACL shapes</h1><table><tr><th>shape</th><th>target</th>"
            "<th>path</th><th>severity</th><th>message</th></tr>" + "".join(rows) + "</table></body></html>\n")


def _index(pages: list[tuple[str, str]], title: str = "exo-onto documentation · 文档") -> str:
    items = "".join(f'<li><a href="{html.escape(name)}">{html.escape(text)}</a></li>' for name, text in pages)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1><ul>" + items + "</ul></body></html>\n")


def docs_files(graph: Graph | None = None, tbox: Graph | None = None) -> dict[str, bytes]:
    """Every documentation file with its bytes (``graph``: the whole graph; ``tbox``: the ontology)."""
    graph = graph if graph is not None else load_graph()
    tbox = canonical(tbox if tbox is not None else tbox_graph())  # blank nodes labelled once for both pages
    files = {"findings.html": render_findings(graph).encode("utf-8")}
    for lang in LANGUAGES:
        dot = to_dot(graph, lang)
        files[f"mechanism.{lang}.dot"] = dot.encode("utf-8")
        files[f"mechanism.{lang}.svg"] = render_picture(dot, "svg")
        files[f"mechanism.{lang}.png"] = render_picture(dot, "png")
        files[page_name(lang)] = ontology_page(tbox, lang).encode("utf-8")
    files["ontology.html"] = _index(
        [(page_name("en"), "English: the ontology reference (pyLODE)"), (page_name("zh"), "中文：本体说明（pyLODE）")],
        "exo-onto ontology reference · 本体说明").encode("utf-8")
    pages = [("findings.html", "Findings by MSC source and by study · 研究发现"),
             ("mechanism.en.svg", "Mechanism network (SVG)"), ("mechanism.zh.svg", "机制网络图（SVG）"),
             ("mechanism.en.png", "Mechanism network (PNG)"), ("mechanism.zh.png", "机制网络图（PNG）"),
             (page_name("en"), "Ontology reference (pyLODE)"), (page_name("zh"), "本体说明（pyLODE）")]
    shapes = sorted(shapes_dir().glob("*.ttl"))
    if shapes:
        shapes_graph = Graph()
        for path in shapes:
            parse_turtle(path, shapes_graph)
        files["shapes.html"] = shapes_html(shapes_graph).encode("utf-8")
        pages.append(("shapes.html", "SHACL shapes: every constraint with its severity and message · 约束"))
    files["index.html"] = _index(pages).encode("utf-8")
    return files


def build_docs(out_dir: PathArg, wait: float = DEFAULT_WAIT, on_wait: Callable[[str], None] | None = None) -> list[str]:
    """Write the documentation into ``out_dir`` (``str`` or ``Path``, replaced atomically); return the file names.

    The folder is claimed before the pages are made (:func:`exo_onto.io.write.claim_output`): a folder the
    tool may not replace, an unwritable place or another writer past ``wait`` seconds is refused at once.
    """
    with claim_output(out_dir, wait, on_wait) as folder:
        files = docs_files()
        folder.write(files)
    return sorted(files)
