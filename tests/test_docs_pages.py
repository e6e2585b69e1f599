"""The documentation files themselves: the ontology pages, and a mechanism picture in both languages whose
every edge names its reference, laid out with fewer crossings.

One documentation build serves the module. That the bytes are the same on another run and hash seed is
checked against `exo-onto docs` in test_hostile_output (a docs run the tests make anyway). Edge crossings
are measured here, on Graphviz's own layout (``dot -Tjson``).
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
import subprocess
import xml.etree.ElementTree as ET

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from exo_onto.publish.mechanism import to_dot
from exo_onto.publish.ontology_page import ontology_page
from exo_onto.terms.namespaces import BIOLINK, CITO, DEFINITION, MSCEXO

SVG = "{http://www.w3.org/2000/svg}"
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def page_definitions(page: str, row: str) -> set[tuple[str, str]]:
    """(term IRI, definition) for every definition row of every term block of a pyLODE page."""
    found = set()
    for block in page.split('<div class="property entity"')[1:]:
        iri = html.unescape(re.search(r"<code>([^<]*)</code>", block).group(1))
        cell = re.search(rf">{re.escape(row)}</a>\s*</th>\s*<td>(.*?)</td>", block, re.S)
        if cell:
            items = re.findall(r"<li>(.*?)</li>", cell.group(1), re.S) or [cell.group(1)]
            found |= {(iri, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", i)).split())) for i in items}
    return found


def test_pylode_shows_every_definition_of_the_release_file(release_build):
    """The release's own TBox file, as OLS or a user would hand it to pyLODE, through the docs' page maker."""
    tbox = Graph().parse(release_build[0] / "exo-onto.ttl")
    expected = {(str(s), " ".join(str(o).split())) for s, o in tbox.subject_objects(DEFINITION)
                if isinstance(s, URIRef) and isinstance(o, Literal)}
    assert len(expected) > 200  # the project's own terms; external ones carry a gloss, not a definition
    for lang, row in (("en", "Definition"), ("zh", "定义")):
        assert page_definitions(ontology_page(tbox, lang), row) == expected, lang


# --- the mechanism picture ----------------------------------------------------------------------------


def svg_network(path) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """Node id -> its lines of text, and (tail text, head text, edge label) for every edge in the SVG."""
    root = ET.parse(path).getroot()
    names, edges = {}, []
    for g in root.iter(f"{SVG}g"):
        title = g.findtext(f"{SVG}title") or ""
        lines = [t.text or "" for t in g.iter(f"{SVG}text")]
        kind = (g.get("class") or "").split()
        if "node" in kind:
            names[title] = lines
        elif "edge" in kind:
            edges.append((title, " ".join(lines)))
    drawn = []
    for title, label in edges:
        tail, head = title.split("->")
        drawn.append((" ".join(names[tail]), " ".join(names[head]), label))
    return names, drawn


def en(graph, node) -> str:
    return next(str(o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "en")


def zh(graph, node) -> str:
    return next(str(o) for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "zh")


def test_the_picture_is_drawn_in_english_and_in_chinese(docs, graph):
    names_en, _ = svg_network(docs / "mechanism.en.svg")
    names_zh, _ = svg_network(docs / "mechanism.zh.svg")
    assert names_en.keys() == names_zh.keys() and len(names_en) > 40
    labels = {lang: {str(o) for o in graph.objects(None, RDFS.label) if getattr(o, "language", None) == lang}
              for lang in ("en", "zh")}
    # Every line of every node is a label in the picture's language (a vesicle: its source, its kind).
    for lang, names in (("en", names_en), ("zh", names_zh)):
        for node, lines in names.items():
            assert lines and all(line in labels[lang] for line in lines), (lang, node, lines)
    wnt5a, bmsc = URIRef("https://identifiers.org/hgnc:12784"), URIRef("http://purl.obolibrary.org/obo/CL_0002540")
    for term in (wnt5a, bmsc):
        assert [en(graph, term)] in names_en.values() and [zh(graph, term)] in names_zh.values()
    caption = ET.parse(docs / "mechanism.zh.svg").getroot().find(f"{SVG}g/{SVG}text")
    assert caption is not None and CJK.search(caption.text or "")


LABEL = re.compile(r"^(\[\d+(, \d+)*\])?( ?§[\w.]+)*$")


def test_every_edge_names_its_reference(docs, graph):
    _, edges = svg_network(docs / "mechanism.en.svg")
    assert len(edges) > 50
    for tail, head, label in edges:
        assert label and LABEL.match(label), (tail, head, label)
    numbers = {int(n) for n in graph.objects(None, MSCEXO.referenceNumber)}
    for _, _, label in edges:
        assert {int(n) for n in re.findall(r"\d+", label.split("§")[0])} <= numbers
    # Every miRNA → gene finding of a cited study shows up on its edge with that study's number.
    drawn = {(t, h): label for t, h, label in edges}
    checked = 0
    for f in graph.subjects(RDF.type, MSCEXO.Finding):
        s, o = graph.value(f, BIOLINK.subject), graph.value(f, BIOLINK.object)
        if str(s).startswith("https://identifiers.org/mirbase") and str(o).startswith("https://identifiers.org/hgnc:"):
            refs = {int(graph.value(w, MSCEXO.referenceNumber)) for w in graph.objects(f, CITO.citesAsEvidence)}
            label = drawn[(en(graph, s), en(graph, o))]
            assert refs <= {int(n) for n in re.findall(r"\d+", label)}, (f, label)
            checked += 1
    assert checked >= 3


# Crossings, measured on the layout Graphviz computes: every edge's Bézier spline as a polyline,
# counting the points where two edges without a common node cross.


def _polyline(pos: str, steps: int = 12) -> list[tuple[float, float]]:
    pts = [tuple(map(float, tok.split(","))) for tok in pos.split() if not tok.startswith(("e,", "s,"))]
    line = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(1, steps + 1):
            t = k / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
            line.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return line


def _cross(p, q, r, s) -> bool:
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return side(r, s, p) * side(r, s, q) < 0 and side(p, q, r) * side(p, q, s) < 0


def layout_measures(dot_source: str) -> tuple[int, float]:
    """(edge crossings, total edge length in points) of the layout ``dot`` makes of ``dot_source``."""
    out = subprocess.run(["dot", "-Tjson"], input=dot_source.encode(), capture_output=True, check=True, timeout=120)
    layout = json.loads(out.stdout)
    edges = [(e["tail"], e["head"], _polyline(e["pos"])) for e in layout.get("edges", [])]
    length = sum(math.dist(a, b) for _, _, line in edges for a, b in itertools.pairwise(line))
    crossings = 0
    for (t1, h1, l1), (t2, h2, l2) in itertools.combinations(edges, 2):
        if {t1, h1} & {t2, h2}:
            continue
        for p, q in itertools.pairwise(l1):
            for r, s in itertools.pairwise(l2):
                crossings += _cross(p, q, r, s)
    return crossings, length


def test_the_layout_has_fewer_crossings_and_shorter_edges_than_columns(docs, graph):
    chosen = (docs / "mechanism.en.dot").read_text(encoding="utf-8")
    crossings, length = layout_measures(chosen)
    columns_crossings, columns_length = layout_measures(to_dot(graph, "en", layout="columns"))
    assert crossings < 0.6 * columns_crossings, (crossings, columns_crossings)
    assert length < columns_length, (length, columns_length)
