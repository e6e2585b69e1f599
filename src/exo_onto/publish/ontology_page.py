"""The ontology reference pages (pyLODE's OntPub), one per language, byte-stable.

pyLODE documents what it knows (``dcterms:title``, ``dcterms:description`` …), not the OBO
annotations the project uses, so left alone it shows none of the IAO definitions, no synonyms
and no editor notes; it runs the English and Chinese labels together ("stem cell干细胞"); it
documents a functional property twice under one anchor (``id="direction"``); and it omits the
named individuals. Here, in the graph handed to pyLODE only (the release is untouched):

* each language gets its own page: titles, synonyms and free text in the page's language (free
  text falls back to the other language where none is written in it), the other language's
  label on a row of its own;
* every definition, comment, synonym, editor note, mapping and any other annotation becomes a
  row pyLODE renders (:data:`ROWS`, plus any annotation it does not know, under its own label);
* every documented term gets one anchor, fixed in advance from its IRI (``CL_0000034``,
  ``direction``, ``HGNC-12784``), and is documented once (characteristics such as functional
  become a row); named individuals get a section;
* blank nodes are named canonically and triples inserted in one sorted order, so the page is
  the same bytes on every run and every hash seed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from html import escape

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SDO, SKOS

from exo_onto.io.serialize import canonical
from exo_onto.terms.namespaces import BASE, DEFINITION, MSCEXO, OBO, OBOINOWL, curie

#: Predicates that exist only in the graph handed to pyLODE (never in a release file).
DOCS = Namespace(BASE + "docs#")
LANGUAGES = ("en", "zh")
SYNONYMS = (OBOINOWL.hasExactSynonym, OBOINOWL.hasRelatedSynonym, OBOINOWL.hasBroadSynonym,
            OBOINOWL.hasNarrowSynonym, SKOS.altLabel)
TITLES = (RDFS.label, SKOS.prefLabel, DCTERMS.title)

#: (section anchor, the OWL type documented there); a term is documented in the first that fits.
SECTIONS = (("classes", OWL.Class), ("objectproperties", OWL.ObjectProperty),
            ("datatypeproperties", OWL.DatatypeProperty), ("annotationproperties", OWL.AnnotationProperty),
            ("properties", RDF.Property), ("namedindividuals", OWL.NamedIndividual))

CHARACTERISTICS = {OWL.FunctionalProperty: ("functional", "函数型"),
                   OWL.InverseFunctionalProperty: ("inverse functional", "反函数型"),
                   OWL.TransitiveProperty: ("transitive", "传递"), OWL.SymmetricProperty: ("symmetric", "对称"),
                   OWL.AsymmetricProperty: ("asymmetric", "非对称"), OWL.ReflexiveProperty: ("reflexive", "自反"),
                   OWL.IrreflexiveProperty: ("irreflexive", "反自反")}

_ONTDOC = Namespace("https://w3id.org/profile/ontdoc/")

#: Row titles (English, Chinese) and what the row holds, in the order rows appear.
ROWS: dict[URIRef, tuple[str, str, str]] = {
    DEFINITION: ("definition", "定义", "IAO:0000115, the term's definition"),
    MSCEXO.projectGloss: ("project gloss", "本项目释义", "mscexo:projectGloss, an external term's gloss"),
    RDFS.comment: ("comment", "注释", "rdfs:comment"),
    OBOINOWL.hasExactSynonym: ("exact synonym", "精确同义词", "oboInOwl:hasExactSynonym"),
    OBOINOWL.hasRelatedSynonym: ("related synonym", "相关同义词", "oboInOwl:hasRelatedSynonym"),
    OBOINOWL.hasBroadSynonym: ("broad synonym", "宽泛同义词", "oboInOwl:hasBroadSynonym"),
    OBOINOWL.hasNarrowSynonym: ("narrow synonym", "狭义同义词", "oboInOwl:hasNarrowSynonym"),
    SKOS.altLabel: ("alternative label", "别名", "skos:altLabel"),
    DOCS.otherLabel: ("Chinese label", "英文名称", "rdfs:label in the other language"),  # the other page's
    SKOS.editorialNote: ("editor note", "编者注", "skos:editorialNote"),
    SKOS.changeNote: ("change note", "修订说明", "skos:changeNote"),
    SKOS.historyNote: ("history note", "历史说明", "skos:historyNote"),
    SKOS.scopeNote: ("scope note", "适用范围", "skos:scopeNote"),
    SKOS.note: ("note", "说明", "skos:note"),
    SKOS.example: ("example", "示例", "skos:example"),
    DOCS.instanceOf: ("instance of", "所属类", "rdf:type"),
    DOCS.characteristic: ("characteristics", "特性", "OWL property characteristics"),
    SKOS.exactMatch: ("exact match", "精确匹配", "skos:exactMatch"),
    SKOS.closeMatch: ("close match", "相近匹配", "skos:closeMatch"),
    SKOS.broadMatch: ("broad match", "宽泛匹配", "skos:broadMatch"),
    SKOS.narrowMatch: ("narrow match", "狭义匹配", "skos:narrowMatch"),
    SKOS.relatedMatch: ("related match", "相关匹配", "skos:relatedMatch"),
    OBOINOWL.hasDbXref: ("database cross-reference", "数据库交叉引用", "oboInOwl:hasDbXref"),
    RDFS.seeAlso: ("see also", "参见", "rdfs:seeAlso"),
}
#: pyLODE's own rows: Chinese titles for the Chinese page.
PYLODE_ZH = {RDFS.isDefinedBy: "定义于", DCTERMS.source: "来源", DCTERMS.provenance: "出处",
             RDFS.subClassOf: "上位类", OWL.equivalentClass: "等价类", _ONTDOC.inDomainOf: "作为定义域",
             _ONTDOC.inDomainIncludesOf: "作为定义域（含）", _ONTDOC.inRangeOf: "作为值域",
             _ONTDOC.inRangeIncludesOf: "作为值域（含）", _ONTDOC.restriction: "限制",
             _ONTDOC.hasMember: "实例", _ONTDOC.superClassOf: "下位类", RDFS.subPropertyOf: "上位属性",
             _ONTDOC.superPropertyOf: "下位属性", RDFS.domain: "定义域", SDO.domainIncludes: "定义域（含）",
             RDFS.range: "值域", SDO.rangeIncludes: "值域（含）", OWL.inverseOf: "逆属性",
             # the ontology's metadata
             DCTERMS.title: "标题", DCTERMS.creator: "创建者", DCTERMS.contributor: "贡献者",
             DCTERMS.publisher: "发布者", DCTERMS.created: "创建日期", DCTERMS.modified: "修改日期",
             DCTERMS.issued: "发布日期", DCTERMS.license: "许可协议", DCTERMS.rights: "权利",
             OWL.versionIRI: "版本 IRI", OWL.versionInfo: "版本", OWL.priorVersion: "上一版本",
             OWL.imports: "导入", DCTERMS.description: "描述",
             URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"): "首选命名空间前缀",
             URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"): "首选命名空间 IRI"}
_CLASS_TAIL = (RDFS.isDefinedBy, DCTERMS.source, DCTERMS.provenance, RDFS.subClassOf, OWL.equivalentClass,
               _ONTDOC.inDomainOf, _ONTDOC.inDomainIncludesOf, _ONTDOC.inRangeOf, _ONTDOC.inRangeIncludesOf,
               _ONTDOC.restriction, _ONTDOC.superClassOf, _ONTDOC.hasMember)
_PROPERTY_TAIL = (RDFS.isDefinedBy, DCTERMS.source, DCTERMS.provenance, RDFS.subPropertyOf,
                  _ONTDOC.superPropertyOf, OWL.inverseOf, RDFS.domain, SDO.domainIncludes, RDFS.range,
                  SDO.rangeIncludes)
#: Predicates never shown as a row of their own (the title, the type, pyLODE's copies).
_NOT_ROWS = {RDF.type, *TITLES, DCTERMS.description}

UI = {
    "en": {"classes": "Classes", "objectproperties": "Object Properties",
           "datatypeproperties": "Datatype Properties", "annotationproperties": "Annotation Properties",
           "properties": "Properties", "namedindividuals": "Named Individuals", "metadata": "Metadata",
           "toc": "Table of Contents", "namespaces": "Namespaces", "legend": "Legend",
           "other": "中文版 (Chinese)", "other_href": "ontology.zh.html"},
    "zh": {"classes": "类", "objectproperties": "对象属性", "datatypeproperties": "数据属性",
           "annotationproperties": "注释属性", "properties": "属性", "namedindividuals": "命名个体",
           "metadata": "元数据", "toc": "目录", "namespaces": "命名空间", "legend": "图例",
           "other": "English version (英文版)", "other_href": "ontology.en.html"},
}
#: Anchors pyLODE itself uses on the page: a term never takes one of these.
_RESERVED = {"content", "metadata", "toc", "legend", "namespaces", "pylode", "p", "y", "version", "profile",
             "schema.org", "other-language", *(name for name, _ in SECTIONS), "functionalproperties"}


def page_name(lang: str) -> str:
    """The file name of the page in ``lang``."""
    return f"ontology.{lang}.html"


def _other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def _section_of(g: Graph, s) -> str | None:
    types = set(g.objects(s, RDF.type))
    return next((name for name, kind in SECTIONS if kind in types), None)


def documented(g: Graph) -> dict[URIRef, str]:
    """Every term the page documents (an IRI with an OWL type), with its section."""
    out = {}
    for s in set(g.subjects(RDF.type, None)):
        if isinstance(s, URIRef) and (section := _section_of(g, s)) is not None:
            out[s] = section
    return out


def anchors(terms: Iterable[URIRef], reserved: Iterable[str] = ()) -> dict[str, str]:
    """One unique HTML anchor per term, from its IRI alone (so links survive relabelling)."""
    taken = set(_RESERVED) | set(reserved)
    out: dict[str, str] = {}
    for term in sorted(terms, key=str):
        s = str(term)
        if s.startswith(BASE):
            base = s[len(BASE):]
        elif s.startswith(str(OBO)):
            base = s[len(str(OBO)):]
        else:
            base = curie(term).replace(":", "-")
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-") or "term"
        fid, n = base, 1
        while fid in taken or fid.lower() in taken:
            n += 1
            fid = f"{base}-{n}"
        taken.add(fid)
        out[s] = fid
    return out


def _label(g: Graph, s, lang: str) -> str:
    labels = sorted(str(o) for o in g.objects(s, RDFS.label) if isinstance(o, Literal) and o.language == lang)
    return labels[0] if labels else ""


def _object_key(o) -> tuple:
    if isinstance(o, Literal):
        return (2, str(o), o.language or "", str(o.datatype or ""))
    return (0 if isinstance(o, URIRef) else 1, str(o), "", "")


def docs_graph(tbox: Graph, lang: str) -> Graph:
    """The graph pyLODE gets for the page in ``lang``: one language per place, every row it can render.

    Deterministic: blank nodes are named canonically, and triples are added documented terms
    first, sorted by their label in ``lang`` (pyLODE lists terms in insertion order), then the rest.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    other = _other(lang)
    g = Graph()
    for t in canonical(tbox):  # labelled once when both languages are made from one canonical graph
        g.add(t)
    terms = documented(g)
    ontologies = set(g.subjects(RDF.type, OWL.Ontology))

    def has(s, p, language: str) -> bool:
        return any(isinstance(o, Literal) and o.language == language for o in g.objects(s, p))

    out: list[tuple] = []
    for s, p, o in g:
        if s not in terms and s not in ontologies:
            out.append((s, p, o))
            continue
        if p == RDF.type and s in terms:
            if o in CHARACTERISTICS:
                out.append((s, DOCS.characteristic, Literal(CHARACTERISTICS[o][LANGUAGES.index(lang)], lang=lang)))
                continue
            if o in (kind for _, kind in SECTIONS) and o != dict(SECTIONS)[terms[s]]:
                continue  # documented once, in its own section
            if terms[s] == "namedindividuals" and o != OWL.NamedIndividual:
                out.append((s, DOCS.instanceOf, o))
        if isinstance(o, Literal) and o.language:
            if p in TITLES:
                if o.language == lang or (o.language == other and not has(s, p, lang)):
                    out.append((s, p, o))
                elif o.language == other and p == RDFS.label and s in terms:
                    out.append((s, DOCS.otherLabel, o))
                continue
            if p in SYNONYMS and o.language != lang:
                continue  # on the other language's page
            if o.language != lang and has(s, p, lang):
                continue  # free text: the page's language where it is written, else what there is
        out.append((s, p, o))

    def subject_key(s) -> tuple:
        if s in terms:
            name = _label(g, s, lang) or _label(g, s, other) or str(s)
            return (1, [n for n, _ in SECTIONS].index(terms[s]), name.casefold(), str(s))
        return (0 if s in ontologies else 2, 0, "", str(s))

    result = Graph(bind_namespaces="core")
    # Only the namespaces some node is in: pyLODE lists no other, and it tries every bound namespace
    # on every node of every triple (rdflib's defaults, brick: to wgs:, doubled its time).
    nodes = {str(n) for t in out for n in t}  # as pyLODE reads them: a literal's text counts too
    for prefix, ns in sorted(tbox.namespace_manager.namespaces()):
        if any(n.startswith(ns) for n in nodes):
            result.bind(prefix, ns, override=True, replace=True)
    for t in sorted(set(out), key=lambda t: (subject_key(t[0]), str(t[1]), _object_key(t[2]))):
        result.add(t)
    return result


def _rows(g: Graph, lang: str) -> tuple[list[URIRef], list[URIRef], list[URIRef]]:
    """The rows of a class, a property and an individual: known annotations, then any other, then structure."""
    known = list(ROWS)
    structural = set(_CLASS_TAIL) | set(_PROPERTY_TAIL) | {OWL.equivalentClass}
    terms = documented(g)
    extra = sorted({p for s in terms for p, o in g.predicate_objects(s)
                    if p not in ROWS and p not in structural and p not in _NOT_ROWS and not isinstance(o, BNode)},
                   key=str)
    head = [DCTERMS.title, *known, *extra]  # pyLODE takes the heading from the title "row"
    return head + list(_CLASS_TAIL), head + list(_PROPERTY_TAIL), head


def _pylode_classes():
    """pyLODE's OntPub and the helpers it builds pages from (imported late: pyLODE is slow to import)."""
    from dominate.tags import a, div, h2, h3, h4, li, p, sup, table, td, tr, ul
    from dominate.util import text
    from pylode import OntPub
    from pylode.utils import section_html

    class Page(OntPub):
        """OntPub with the project's rows, sections for individuals, fixed anchors and one language."""

        def __init__(self, graph: Graph, lang: str) -> None:
            self.lang = lang
            self.ui = UI[lang]
            self.class_rows, self.property_rows, self.individual_rows = _rows(graph, lang)
            terms = documented(graph)
            super().__init__(ontology=graph, sort_subjects=False)
            self.doc["lang"] = "zh-Hans" if lang == "zh" else "en"
            prefixes = {prefix or ":" for prefix, _ in graph.namespace_manager.namespaces()}
            self.fids.update(anchors(terms, reserved=prefixes))
            for prop, (en, zh, what) in ROWS.items():  # DOCS.otherLabel: the Chinese label on the English page
                title = zh if lang == "zh" else en
                self.props_labeled[prop] = {"title": Literal(title), "description": Literal(what),
                                            "ont_title": Literal("exo-onto")}
            for prop in sorted(set(self.class_rows) | set(self.property_rows) | set(PYLODE_ZH)):
                if prop not in self.props_labeled:
                    name = _label(graph, prop, lang) or _label(graph, prop, _other(lang)) or curie(prop)
                    self.props_labeled[prop] = {"title": Literal(name), "description": Literal(curie(prop)),
                                                "ont_title": Literal("exo-onto")}
                elif lang == "zh" and prop in PYLODE_ZH:
                    self.props_labeled[prop] = {**self.props_labeled[prop], "title": Literal(PYLODE_ZH[prop])}

        def _make_metadata(self) -> None:
            super()._make_metadata()
            section = self.content.children[-1]
            for child in section.children:  # the "Metadata" heading, in the page's language
                if isinstance(child, h2):
                    child.clear()
                    child.add(text(self.ui["metadata"]))
            section.add(p(a(self.ui["other"], href=self.ui["other_href"], id="other-language")))

        def _make_namespaces(self) -> None:
            # pyLODE's own, with the bound namespaces listed once: it asked the graph for them again for each
            # node of each triple (600,000 times a page, a fifth of `exo-onto docs`).
            bound = list(self.ont.namespaces())
            self.ont.namespaces = lambda: iter(bound)  # this graph's own copy (docs_graph), read only
            try:
                super()._make_namespaces()
            finally:
                del self.ont.namespaces

        def _make_main_sections(self) -> None:
            rows = {"classes": self.class_rows, "namedindividuals": self.individual_rows}
            with self.content:
                for name, kind in SECTIONS:
                    if (None, RDF.type, kind) in self.ont:
                        section_html(self.ui[name], self.ont, self.back_onts, self.ns, kind,
                                     rows.get(name, self.property_rows), self.toc, name, self.fids,
                                     self.props_labeled)

        def _make_legend(self) -> None:
            marks = {"classes": ("c", "OWL/RDFS Class"), "objectproperties": ("op", "OWL Object Property"),
                     "datatypeproperties": ("dp", "OWL Datatype Property"),
                     "annotationproperties": ("ap", "OWL Annotation Property"),
                     "properties": ("p", "RDF Property"), "namedindividuals": ("ni", "OWL Named Individual")}
            with self.content, div(id="legend"):
                h2(self.ui["legend"])
                with table(_class="entity"):
                    for name, _ in SECTIONS:
                        if self.toc.get(name):
                            mark, title = marks[name]
                            tr(td(sup(mark, _class="sup-" + mark, title=title)), td(self.ui[name]))

        def _make_toc(self) -> None:
            with self.doc, div(id="toc"):
                h3(self.ui["toc"])
                with ul(_class="first"):
                    li(h4(a(self.ui["metadata"], href="#metadata")))
                    for name, _ in SECTIONS:
                        if self.toc.get(name):
                            with li():
                                h4(a(self.ui[name], href="#" + name))
                                with ul(_class="second"):
                                    for href, title in self.toc[name]:
                                        li(a(title, href=href))
                    with li():
                        h4(a(self.ui["namespaces"], href="#namespaces"))
                        with ul(_class="second"):
                            for _, prefix in self.toc.get("namespaces", []):
                                li(a(prefix, href="#" + prefix))
                    li(h4(a(self.ui["legend"], href="#legend")))

    return Page


class _InOrder(list):
    """A "set" that keeps insertion order: what pyLODE should collect the members of an
    ``owl:intersectionOf``/``owl:unionOf`` in (its ``set()`` of HTML elements orders them by memory
    address, so "A and B" came out as "B and A" on some runs)."""

    add = list.append


def ontology_page(tbox: Graph, lang: str) -> str:
    """The pyLODE page of ``tbox`` in ``lang`` (``en`` or ``zh``), the same bytes on every run."""
    page_class = _pylode_classes()
    import pylode.utils

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))  # pyLODE logs its background ontologies at INFO
    pylode.utils.set = _InOrder  # its only set(): the members of a class expression, kept in list order
    try:
        graph = docs_graph(tbox, lang)
        page = page_class(graph, lang)
        html = page.make_html()
    finally:
        del pylode.utils.set
        root.setLevel(level)
    # pyLODE links every IRI of the ontology's namespace to an anchor on the page, also those it
    # does not document (the ontology's source, the findings): link those to their IRI instead.
    terms = {str(t) for t in documented(graph)}
    for iri, fid in sorted(page.fids.items()):
        if iri not in terms:
            html = html.replace(f'href="#{fid}"', f'href="{escape(iri, quote=True)}"')
    return html if html.endswith("\n") else html + "\n"

