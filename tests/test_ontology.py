"""The TBox: header, bilingual labels and definitions, verified external IDs, canonical form."""

from collections import defaultdict

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from exo_onto.io.fmt import canonical_turtle
from exo_onto.io.load import load_graph, parse_turtle
from exo_onto.paths import import_module_files, ontology_files, tbox_files
from exo_onto.terms.namespaces import BASE, DEFINITION, VANN, curie, is_external_term

ONT = URIRef(BASE + "exo-onto.owl")
DECLARED = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)


@pytest.fixture(scope="module")
def ontology():
    """The ontology as Protégé opens it: the TBox with its import modules and bridge, no knowledge graph."""
    return load_graph(tbox_files())


def declared_terms(g):
    return sorted({s for t in DECLARED for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)})


def test_header(tbox):
    assert (ONT, RDF.type, OWL.Ontology) in tbox
    titles = {t.language for t in tbox.objects(ONT, DCTERMS.title)}
    descriptions = {t.language for t in tbox.objects(ONT, DCTERMS.description)}
    assert titles == {"en", "zh"} and descriptions == {"en", "zh"}
    assert tbox.value(ONT, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    version = str(tbox.value(ONT, OWL.versionInfo))
    assert tbox.value(ONT, OWL.versionIRI) == URIRef(f"{BASE}releases/{version}/exo-onto.owl")
    assert tbox.value(ONT, DCTERMS.creator) is not None
    assert tbox.value(ONT, DCTERMS.source) == URIRef(BASE + "review")
    assert tbox.value(ONT, VANN.preferredNamespacePrefix) == Literal("mscexo")
    assert tbox.value(ONT, VANN.preferredNamespaceUri) == Literal(BASE, datatype=XSD.anyURI)
    # It imports its components (import modules, bridge); each resolves offline (tests/test_imports.py).
    assert set(tbox.objects(ONT, OWL.imports)) == {
        URIRef(f"{BASE}imports/{p.stem.removesuffix('_import')}_import.owl") for p in import_module_files()
    } | {URIRef(BASE + "bridge/exo-onto-bridge.owl")}


def test_every_term_has_one_english_and_one_chinese_label_and_the_projects_a_definition(graph):
    """Every declared term is labelled in both languages; the project's own (mscexo:) are defined. An
    external term's definition is its source's: tests/test_imports.py checks those terms."""
    problems = []
    for term in declared_terms(graph):
        langs = [lab.language for lab in graph.objects(term, RDFS.label)]
        if sorted(langs) != ["en", "zh"]:
            problems.append(f"{curie(term)} labels {langs}")
        if not str(term).startswith(BASE):
            continue
        defs = [d for d in graph.objects(term, DEFINITION) if isinstance(d, Literal) and d.language == "en"]
        if len(defs) != 1 or not str(defs[0]).strip():
            problems.append(f"{curie(term)} has {len(defs)} English definition(s)")
    assert not problems, "\n".join(problems)


def test_no_label_repeats_within_a_language(ontology):
    seen = defaultdict(set)
    for term in declared_terms(ontology):
        for lab in ontology.objects(term, RDFS.label):
            seen[(lab.language, str(lab).casefold())].add(curie(term))
    repeats = {k: v for k, v in seen.items() if len(v) > 1}
    assert not repeats, repeats


def test_review_abbreviations_are_synonyms(ontology):
    from exo_onto.terms.namespaces import OBOINOWL

    synonyms = {str(o) for o in ontology.objects(None, OBOINOWL.hasExactSynonym)}
    for abbrev in ["BMSC", "AD-MSC", "SMSC", "MSCIPFP", "hUC-MSC", "hESC-MSC", "sEV", "MP", "ACD", "OA",
                   "CIOA", "DMM", "PBS", "GelMA", "PCL", "Col II", "iNOS", "COX-2", "TNF-α"]:
        assert abbrev in synonyms, abbrev


def test_every_external_id_is_verified(graph, verified_xrefs):
    """By IRI: the reference tables spell CURIEs their way (HGNC:2200), the project its own (hgnc:2200); an
    IRI of another form than the verified one (http for https, say) is unverified too."""
    used = {n for t in graph for n in t if isinstance(n, URIRef) and is_external_term(n)}
    verified = set(verified_xrefs.values())
    unverified = sorted(curie(n) for n in used if str(n) not in verified)
    assert not unverified, f"IDs not verified in ontology/reference: {unverified}"


def test_exosome_homonym_is_not_used(graph):
    rnase_exosome = URIRef("http://purl.obolibrary.org/obo/GO_0000178")
    assert not any(rnase_exosome in t for t in graph)


@pytest.mark.parametrize("path", ontology_files(), ids=lambda p: p.name)
def test_turtle_is_canonical(path):
    text = path.read_text(encoding="utf-8")
    assert text == canonical_turtle(parse_turtle(path)), f"run: exo-onto fmt {path}"
    assert "ns1:" not in text


def test_every_used_project_term_is_declared(graph):
    """A typo in an mscexo: IRI shows up as a term nobody declared or typed."""
    typed = set(graph.subjects(RDF.type, None))
    used = {
        n for s, p, o in graph if p != OWL.versionIRI for n in (p, o)
        if isinstance(n, URIRef) and str(n).startswith(BASE)
    }
    ontology_iris = {URIRef(BASE + "exo-onto.owl"), URIRef(BASE + "exo-onto-kg.owl")}
    assert sorted(used - typed - ontology_iris) == []
