"""The import modules (ontology/imports/, ODK style) and the bridge (ontology/bridge/).

External terms live in one import module per source ontology, with the label their source gives them
(``ontology/reference/xrefs.tsv``, status ``verified``); the axioms that tie them to the project's own
classes live in the bridge; the TBox holds the project's own terms and imports both, resolved offline
by the checked-in XML catalogs. Expected values come from the reference tables and the files on disk,
not from the code that loads them.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from exo_onto.io.load import load_graph, parse_turtle
from exo_onto.paths import bridge_path, import_module_files, ontology_dir, ontology_files, tbox_files, tbox_path
from exo_onto.query.qc import load_checks, run_qc
from exo_onto.terms.namespaces import BASE, DEFINITION, OBOINOWL, curie

ONTOLOGY = ontology_dir()
REFERENCE = ONTOLOGY / "reference"
TBOX_IRI = URIRef(BASE + "exo-onto.owl")
BRIDGE_IRI = URIRef(BASE + "bridge/exo-onto-bridge.owl")
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
BUILTIN = (str(OWL), str(RDF), str(XSD))
MAPPINGS = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}
OBO = "http://purl.obolibrary.org/obo/"

#: Namespaces of the registries whose identifiers are verified in the reference tables: IRI start ->
#: module name (the lower-cased CURIE prefix of the tables; miRBase mature and precursor are one source).
REGISTRIES = {
    "https://identifiers.org/hgnc:": "hgnc", "https://identifiers.org/mirbase.mature:": "mirbase",
    "https://identifiers.org/mirbase:": "mirbase", "https://identifiers.org/ncbigene:": "ncbigene",
    "http://www.ebi.ac.uk/efo/": "efo",
}
#: The other vocabularies the project declares terms of (metadata, provenance, annotation, Biolink).
VOCABULARIES = {
    "http://purl.org/ontology/bibo/": "bibo", "https://w3id.org/biolink/vocab/": "biolink",
    "http://purl.org/spar/cito/": "cito", "http://purl.org/dc/terms/": "dcterms", "http://www.w3.org/ns/oa#": "oa",
    "http://www.geneontology.org/formats/oboInOwl#": "oboinowl", "http://www.w3.org/ns/prov#": "prov",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs", "http://www.w3.org/2004/02/skos/core#": "skos",
    "http://purl.org/vocab/vann/": "vann",
}


GLOSS = URIRef(BASE + "projectGloss")
DECLARED = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
HGNC = "https://identifiers.org/hgnc:"


def verified_rows() -> dict[str, list[dict[str, str]]]:
    """IRI -> the verified rows of the reference tables that name it."""
    out: dict[str, list[dict[str, str]]] = {}
    for name in ("xrefs.tsv", "xrefs-supplement.tsv"):
        with open(REFERENCE / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row["status"] == "verified" and row["iri"]:
                    out.setdefault(row["iri"], []).append(row)
    return out


def source_label(row: dict[str, str]) -> tuple[str, str | None]:
    """The label a row's source gives the term, and for HGNC the gene's approved name.

    An HGNC row's ``label_in_source`` holds two columns of the HGNC export, ``SYMBOL | approved name``;
    HGNC names a gene by its approved symbol (the row's notes say "Approved symbol SYMBOL"). Every
    other row holds the source's label as it is.
    """
    cell = row["label_in_source"]
    if not row["iri"].startswith(HGNC):
        return cell, None
    symbol, name = (part.strip() for part in cell.split("|"))
    assert f"Approved symbol {symbol};" in row["notes"], row["curie"]
    return symbol, name


def english(g: Graph, term, prop=RDFS.label) -> list[str]:
    return sorted(str(o) for o in g.objects(term, prop) if isinstance(o, Literal) and o.language == "en")


def external_terms(g: Graph) -> list[URIRef]:
    return sorted({s for t in DECLARED for s in g.subjects(RDF.type, t) if is_external(s)})


def source_of(iri) -> str | None:
    """Which import module an external IRI belongs in; ``mscexo`` for the project's own, None if unknown."""
    s = str(iri)
    if s.startswith(BASE):
        return "mscexo"
    if s.startswith(OBO):
        return s[len(OBO):].split("_")[0].lower()
    return next((name for ns, name in {**REGISTRIES, **VOCABULARIES}.items() if s.startswith(ns)), None)


def is_external(node) -> bool:
    return isinstance(node, URIRef) and not str(node).startswith(BASE) and not str(node).startswith(BUILTIN)


def module_iri(path: Path) -> URIRef:
    return URIRef(f"{BASE}imports/{path.stem}.owl")


def catalog(path: Path) -> dict[str, Path]:
    """An XML catalog's ``uri`` entries: the IRI each maps, and the file it maps it to."""
    root = ET.parse(path).getroot()
    return {e.get("name"): (path.parent / e.get("uri")).resolve() for e in root.iter(f"{CATALOG_NS}uri")}


def ontology_iri(path: Path) -> URIRef:
    [iri] = set(parse_turtle(path).subjects(RDF.type, OWL.Ontology))
    return iri


@pytest.fixture(scope="module")
def modules() -> dict[str, Graph]:
    return {p.stem.removesuffix("_import"): parse_turtle(p) for p in import_module_files()}


@pytest.fixture(scope="module")
def bridge() -> Graph:
    return parse_turtle(bridge_path())


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph(tbox_files())


# --- layout: one module per source, the TBox holds only the project's terms, imports resolve offline ---


def test_one_module_per_source_each_holding_only_that_sources_terms(modules):
    assert {"cl", "uberon", "go", "mondo", "hgnc", "mirbase", "obi", "eco", "ro", "so", "maxo", "ncbitaxon",
            "efo"} <= set(modules)
    for name, g in modules.items():
        path = ONTOLOGY / "imports" / f"{name}_import.ttl"
        assert set(g.subjects(RDF.type, OWL.Ontology)) == {module_iri(path)}, name
        subjects = {s for s in g.subjects() if s != module_iri(path)}
        assert subjects, f"{name}: an empty module"
        strangers = sorted(str(s) for s in subjects if source_of(s) != name)
        assert not strangers, f"{name}_import.ttl holds other sources' terms: {strangers}"


def test_the_tbox_file_declares_no_external_term(tbox):
    external = sorted(curie(s) for s in tbox.subjects() if is_external(s))
    assert external == []


def test_each_external_term_is_in_exactly_one_module(modules, tbox):
    homes: dict[URIRef, list[str]] = {}
    for name, g in modules.items():
        for s in set(g.subjects(RDF.type, None)):
            if is_external(s):
                homes.setdefault(s, []).append(name)
    assert homes and all(len(v) == 1 for v in homes.values())


def test_the_tbox_imports_every_module_and_the_bridge_and_nothing_else(tbox):
    expected = {module_iri(p) for p in import_module_files()} | {BRIDGE_IRI}
    assert set(tbox.objects(TBOX_IRI, OWL.imports)) == expected


@pytest.mark.parametrize("where", ["catalog-v001.xml", "kg/catalog-v001.xml"])
def test_the_catalogs_resolve_every_import_to_its_local_file(tbox, where):
    """Protégé reads the catalog beside the file it opens (the TBox, or a knowledge-graph file): each
    imported IRI must map to an existing file whose ontology IRI is that IRI."""
    entries = catalog(ONTOLOGY / where)
    imported = set(tbox.objects(TBOX_IRI, OWL.imports))
    if where.startswith("kg/"):
        imported.add(TBOX_IRI)  # the knowledge graph imports the TBox
    for iri in imported:
        assert str(iri) in entries, f"{where}: no entry for {iri}"
        assert entries[str(iri)].is_file(), f"{where}: {iri} -> {entries[str(iri)]} does not exist"
        assert ontology_iri(entries[str(iri)]) == iri
    assert set(entries) == {str(i) for i in imported}, "no stale catalog entries"


def test_the_imports_closure_is_what_every_command_loads():
    """Following owl:imports from the TBox through its catalog gives exactly the files that check, build,
    docs and the queries load before the knowledge graph (paths.tbox_files), and every ontology file is
    reached from the knowledge graph's header."""
    entries = catalog(ONTOLOGY / "catalog-v001.xml")
    seen, todo = [tbox_path().resolve()], [tbox_path().resolve()]
    while todo:
        g = parse_turtle(todo.pop())
        for iri in sorted(g.objects(None, OWL.imports)):
            target = entries[str(iri)]
            if target not in seen:
                seen.append(target)
                todo.append(target)
    assert sorted(seen) == sorted(p.resolve() for p in tbox_files())
    assert set(tbox_files()) <= set(ontology_files())


# --- the bridge: the project's axioms on external terms ----------------------------------------------


def _ties(g: Graph) -> set[tuple]:
    """Statements tying an external term to a project term or another source's term (mappings aside)."""
    return {(s, p, o) for s, p, o in g if is_external(s) and p not in MAPPINGS and isinstance(o, URIRef)
            and not str(o).startswith(BUILTIN) and source_of(o) != source_of(s)}


def test_no_import_module_gives_an_external_term_a_local_or_foreign_parent(modules):
    found = {name: sorted(_ties(g)) for name, g in modules.items() if _ties(g)}
    assert found == {}


def test_the_bridge_holds_only_such_ties(bridge):
    header = {(s, p, o) for s, p, o in bridge if s == BRIDGE_IRI}
    body = set(bridge) - header
    assert body and body == _ties(bridge)


def test_the_bridge_keeps_the_local_parents_the_shapes_and_queries_rely_on(bridge):
    """The examples of issue 12 (injection, PBS, miRNA under project classes) are bridge axioms now."""
    m = URIRef
    assert (m(OBO + "OBI_0000426"), RDFS.subClassOf, m(BASE + "AdministrationRoute")) in bridge
    assert (m(OBO + "OBI_0100046"), RDFS.subClassOf, m(BASE + "Comparator")) in bridge
    assert (m(OBO + "SO_0000276"), RDFS.subClassOf, m(BASE + "VesicleCargo")) in bridge


# --- QC: a component's header needs a title and a description only ----------------------------------


def test_a_component_header_needs_only_a_title_and_a_description():
    [check] = [c for c in load_checks() if c.name == "missing_ontology_metadata"]
    rows = run_qc(parse_turtle(Path(__file__).parent / "data" / "qc" / "missing_ontology_metadata.ttl"), [check]).rows
    components = {(r.entity.removeprefix(BASE), r.property.rsplit("/", 1)[-1]) for r in rows
                  if "/imports/" in r.entity}
    assert components == {("imports/qc-undescribed_import.owl", "description")}
    assert {r.property.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for r in rows if r.entity == BASE + "qc.owl"} == {
        "description", "license", "creator", "versionIRI", "versionInfo", "preferredNamespacePrefix",
        "preferredNamespaceUri"}


# --- labels: the source's; the project's wording a synonym; definitions: the source's or none ---------


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, str]]]:
    return verified_rows()


def test_every_external_terms_english_label_is_its_source_label(ontology, rows):
    checked, wrong = 0, []
    for term in external_terms(ontology):
        if str(term) not in rows:
            continue
        [(label, _)] = {source_label(r) for r in rows[str(term)]}  # the tables agree with themselves
        checked += 1
        if english(ontology, term) != [label]:
            wrong.append(f"{curie(term)}: {english(ontology, term)} but the source says {label!r}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 180  # every CL, UBERON, GO, … , HGNC, miRBase, EFO term the ontology declares


def test_the_issues_examples_carry_their_source_labels_and_keep_the_projects_as_synonyms(ontology, rows):
    for iri, former in (("http://purl.obolibrary.org/obo/CL_0002302", "synovial macrophage"),
                        ("http://purl.obolibrary.org/obo/ECO_0000178", "in vivo evidence"),
                        ("http://purl.obolibrary.org/obo/ECO_0007122", "in vitro evidence used in manual assertion")):
        term = URIRef(iri)
        assert english(ontology, term) == [rows[iri][0]["label_in_source"]]
        assert former in english(ontology, term, OBOINOWL.hasExactSynonym)
        assert len([o for o in ontology.objects(term, RDFS.label) if o.language == "zh"]) == 1  # the Chinese stays


def test_a_relabelled_term_says_so_and_keeps_its_former_label(ontology):
    changed = 0
    for term in external_terms(ontology):
        for note in english(ontology, term, SKOS.changeNote):
            m = re.match(r"English label changed from '(.+?)' to '(.+?)'", note)
            if m:
                changed += 1
                assert english(ontology, term) == [m.group(2)]
                assert m.group(1) in english(ontology, term, OBOINOWL.hasExactSynonym)
    assert changed >= 8


def test_an_hgnc_gene_has_its_approved_name_as_a_synonym(ontology, rows):
    genes = [t for t in external_terms(ontology) if str(t).startswith(HGNC)]
    assert len(genes) >= 25
    for gene in genes:
        [(_, name)] = {source_label(r) for r in rows[str(gene)]}
        assert name in english(ontology, gene, OBOINOWL.hasExactSynonym), curie(gene)


def test_a_term_without_a_verified_source_label_keeps_its_label_and_says_so(ontology, rows):
    """Only the metadata and annotation vocabularies have no row in the reference tables; their labels
    are the project's, and each term carries a curator note saying that."""
    unknown = [t for t in external_terms(ontology) if str(t) not in rows]
    assert unknown
    registries = [curie(t) for t in unknown if str(t).startswith((OBO, *REGISTRIES))]
    assert registries == [], "a registry term without a verified row"
    for term in unknown:
        assert source_of(term) in VOCABULARIES.values(), term
        assert any(n.startswith("Source label not verified") for n in english(ontology, term, SKOS.editorialNote)), term


def test_no_project_definition_on_a_foreign_iri(graph, rows):
    """A definition (IAO:0000115) on another ontology's IRI must be that source's verified definition; the
    reference tables verify labels, not definitions, so no external IRI carries one, in any file."""
    verified = {(iri, r["definition"]) for iri, rs in rows.items() for r in rs if r.get("definition")}
    found = sorted((curie(s), str(d)) for s, d in graph.subject_objects(DEFINITION)
                   if is_external(s) and (str(s), str(d)) not in verified)
    assert found == []


def test_every_external_term_has_one_english_project_gloss(ontology):
    terms = external_terms(ontology)
    assert len(terms) > 200
    missing = [curie(t) for t in terms if len(english(ontology, t, GLOSS)) != 1]
    assert missing == []
    assert not list(ontology.subjects(GLOSS, None)) or all(
        is_external(s) for s in ontology.subjects(GLOSS, None)), "the project's own terms are defined, not glossed"
