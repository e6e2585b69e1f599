"""The release files, read by the tools their users read them with (issue 12).

One build per module; every tool reads the real file the build wrote. Expected values come from the
source Turtle (read with rdflib) or from the format's standard, not from the release code.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pronto
import pyrudof
import pytest
import yaml
from pyld import jsonld as pyld
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from sssom.constants import SSSOMSchemaView
from sssom.parsers import parse_sssom_table
from sssom.validators import validate as sssom_validate

from exo_onto import load_graph
from exo_onto.io.load import load_ontology
from exo_onto.paths import shapes_dir
from exo_onto.publish.release import FULL
from exo_onto.terms.namespaces import BASE

SH = "http://www.w3.org/ns/shacl#"
OBO = "http://purl.obolibrary.org/obo/"
BIOLINK = "https://w3id.org/biolink/vocab/"
FINDING = URIRef(BASE + "Finding")
MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


@pytest.fixture(scope="module")
def out(release_build) -> Path:
    return release_build[0]


@pytest.fixture(scope="module")
def sources() -> Graph:
    """The curated graph, read from the ontology files."""
    return load_graph()


@pytest.fixture(scope="module")
def full(out) -> Graph:
    return Graph().parse(out / f"{FULL}.nt", format="nt")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        g.parse(path)
    return g


def named_classes(g: Graph) -> set[URIRef]:
    return {c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}


def english(g: Graph, node) -> str | None:
    return next((str(x) for x in g.objects(node, RDFS.label) if getattr(x, "language", None) == "en"), None)


# --- SSSOM: sssom-py ------------------------------------------------------------------------------


def test_sssom_py_parses_and_validates_the_mapping_file(out, sources):
    path = out / "exo-onto.sssom.tsv"
    # sssom-py 0.4.21's strict mode rejects every file whose metadata is regular (it passes "is irregular"
    # where it expects "is valid"), so its two checks are made here, against the SSSOM schema it ships.
    msdf = parse_sssom_table(path)
    header = yaml.safe_load("".join(line[2:] for line in path.read_text(encoding="utf-8").splitlines(True)
                                    if line.startswith("# ")))
    assert set(header) <= set(SSSOMSchemaView().mapping_set_slots)
    assert {"mapping_set_id", "license", "curie_map"} <= set(header)
    # Built-in prefixes keep their standard expansions (SSSOM spec).
    assert header["curie_map"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert header["curie_map"]["semapv"] == "https://w3id.org/semapv/vocab/"
    reports = sssom_validate(msdf, fail_on_error=False)  # JSON schema, prefix map completeness, CURIE format
    assert reports and all(not report.results for report in reports.values()), reports
    assert msdf.metadata["mapping_set_id"].endswith("/exo-onto.sssom.tsv")
    assert msdf.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    # Every curated SKOS mapping of the sources is a row, and every row expands to one of them.
    expected = {(s, p, o) for p in MAPPINGS for s, o in sources.subject_objects(p)}
    rows = {(URIRef(msdf.converter.expand(r.subject_id)), URIRef(msdf.converter.expand(r.predicate_id)),
             URIRef(msdf.converter.expand(r.object_id))) for r in msdf.df.itertuples()}
    assert rows == expected and len(msdf.df) == len(expected)
    assert set(msdf.df["mapping_justification"]) == {"semapv:ManualMappingCuration"}


# --- plain SHACL engines: pyshacl without inference, rudof ---------------------------------------


def pyshacl_violations(data: Graph, shapes: Graph) -> list[tuple[str, str]]:
    _, results, _ = shacl_validate(data, shacl_graph=shapes, inference="none")
    return sorted((str(results.value(r, URIRef(SH + "focusNode"))), str(results.value(r, URIRef(SH + "resultPath"))))
                  for r in results.subjects(RDF.type, URIRef(SH + "ValidationResult"))
                  if results.value(r, URIRef(SH + "resultSeverity")) == URIRef(SH + "Violation"))


def rudof_violations(data: str, shapes: Graph) -> list[tuple[str, str]]:
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data, reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes.serialize(format="turtle"), reader_mode=pyrudof.ReaderMode.Strict)
    return sorted((e.focus_node, str(e.path)) for e in rudof.validate_shacl() if e.severity == "Violation")


def without_inferences(out: Path, full: Graph) -> Graph:
    """The full release minus the axioms listed as inferred: what a release without reasoning would hold."""
    g = Graph()
    g += full
    inferred = Graph().parse(out / "exo-onto-inferred.ttl")
    for t in inferred:
        if (t[0], RDF.type, OWL.Ontology) not in inferred:
            g.remove(t)
    return g


def test_pyshacl_without_inference_finds_no_violation(out, full, shapes):
    assert pyshacl_violations(Graph().parse(out / f"{FULL}.ttl"), shapes) == []
    # Control: the engine does see the problem the reasoned release solves (the hESC-MSC source cells of
    # [18]/[19] are stem cells only through their class's definition).
    focus = {f for f, _ in pyshacl_violations(without_inferences(out, full), shapes)}
    assert {BASE + "prep-18-hescmsc-exo", BASE + "prep-19-hescmsc-exo"} <= focus


def test_rudof_finds_no_violation(out, full, shapes):
    assert rudof_violations(str(out / f"{FULL}.ttl"), shapes) == []
    unreasoned = without_inferences(out, full).serialize(format="turtle")
    focus = {f.strip("<>") for f, _ in rudof_violations(unreasoned, shapes)}
    assert {BASE + "prep-18-hescmsc-exo", BASE + "prep-19-hescmsc-exo"} <= focus


# --- pronto (OBO tools) ---------------------------------------------------------------------------


def load_pronto(path: Path) -> pronto.Ontology:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pronto warns about every annotation property it does not map
        return pronto.Ontology(str(path))


@pytest.mark.parametrize("name", ["exo-onto.owl", "exo-onto-base.owl", "exo-onto-simple.owl", f"{FULL}.owl"])
def test_pronto_loads_every_owl_file(out, name):
    rdf = Graph().parse(out / name, format="xml")
    onto = load_pronto(out / name)
    assert {t.id for t in onto.terms()} >= {str(c) for c in named_classes(rdf) if str(c).startswith(BASE)}
    assert onto.metadata.ontology == BASE + name


def test_pronto_reads_the_main_release_as_the_tbox_says(out):
    tbox = load_ontology()
    onto = load_pronto(out / "exo-onto.owl")
    own = [c for c in named_classes(tbox) if str(c).startswith(BASE)]
    assert len(own) > 100
    for cls in own:
        term = onto[str(cls)]
        assert term.name == english(tbox, cls), cls  # the English label, not the Chinese one
    # SynovialMSC ≡ CL:0000134 ⊓ … in the TBox source: its reasoned superclass is the MSC class.
    synovial = onto[BASE + "SynovialMSC"]
    assert "CL:0000134" in {t.id for t in synovial.superclasses(distance=1, with_self=False)}


# --- OBO Graphs JSON: the obographs reader (Pydantic model of the schema) and pronto/fastobo ------


def test_obo_graphs_json_reads_back(out):
    import obographs

    main = Graph().parse(out / "exo-onto.ttl")
    graph = obographs.read(out / "exo-onto.json")  # validates against the OBO Graphs model
    assert graph.id == BASE + "exo-onto.owl"
    assert graph.version_iri == str(main.value(URIRef(BASE + "exo-onto.owl"), OWL.versionIRI))
    nodes = {n.id: n for n in graph.nodes}
    assert {i for i, n in nodes.items() if n.type == "CLASS"} == {str(c) for c in named_classes(main)}
    for cls in named_classes(main):
        node = nodes[str(cls)]
        assert node.lbl == english(main, cls)
        chinese = {str(x) for x in main.objects(cls, RDFS.label) if x.language == "zh"}
        assert chinese <= {s.val for s in (node.meta.synonyms or [])}
        definition = next((str(d) for d in main.objects(cls, URIRef(OBO + "IAO_0000115")) if d.language == "en"), None)
        assert (node.meta.definition.val if node.meta and node.meta.definition else None) == definition
    # is_a edges are exactly the named subclass axioms of the reasoned main release.
    is_a = {(e.sub, e.obj) for e in graph.edges if e.pred == "is_a"}
    assert is_a == {(str(c), str(p)) for c, p in main.subject_objects(RDFS.subClassOf)
                    if isinstance(c, URIRef) and isinstance(p, URIRef)}
    # BMSCExosome ≡ GO:0070062 ⊓ ∃RO:0001000.CL:0002540 (docs/modelling.md) is a logical definition.
    ldef = next(x for x in graph.logicalDefinitionAxioms if x.definedClassId == BASE + "BMSCExosome")
    assert ldef.genusIds == [OBO + "GO_0070062"]
    assert [(r.propertyId, r.fillerId) for r in ldef.restrictions] == [(OBO + "RO_0001000", OBO + "CL_0002540")]


def test_pronto_reads_the_obo_graphs_json(out):
    main = Graph().parse(out / "exo-onto.ttl")
    onto = load_pronto(out / "exo-onto.json")
    assert len(onto.terms()) == len(named_classes(main))
    assert onto["CL:0000134"] in set(onto[BASE + "SynovialMSC"].superclasses(distance=1))


# --- JSON-LD: pyld ---------------------------------------------------------------------------------


def pyld_graph(document) -> Graph:
    return Graph().parse(data=pyld.to_rdf(pyld.expand(document), {"format": "application/n-quads"}), format="nt")


def test_pyld_expands_the_compacted_release_to_the_graph(out, full):
    assert isomorphic(pyld_graph(json.loads((out / f"{FULL}.jsonld").read_text(encoding="utf-8"))), full)


def test_pyld_expand_compact_with_the_shipped_context_is_the_graph(out, full):
    context = json.loads((out / "context.jsonld").read_text(encoding="utf-8"))
    expanded = json.loads(full.serialize(format="json-ld"))  # rdflib writes expanded JSON-LD without a context
    compacted = pyld.compact(expanded, context)
    assert isomorphic(pyld_graph(compacted), full)
    # The context really is used: properties are aliases, not prefixed names.
    finding = next(n for n in compacted["@graph"] if n.get("id") == "mscexo:finding-1.1-01")
    assert {"subject", "predicate", "object", "label"} <= set(finding)


def test_context_has_term_definitions(out, sources):
    ctx = json.loads((out / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    terms = {v["@id"]: (k, v) for k, v in ctx.items() if isinstance(v, dict)}
    assert terms[str(RDFS.label)][1]["@container"] == "@language"
    assert terms[str(RDFS.label)][0] == "label"
    # Every object property the TBox declares and the data uses is a string-valued IRI ("@type": "@id").
    used = set(sources.predicates())
    object_properties = {p for p in sources.subjects(RDF.type, OWL.ObjectProperty) if p in used}
    assert len(object_properties) > 10
    assert all(terms[str(p)][1].get("@type") == "@id" for p in object_properties)
    assert terms[OBO + "RO_0001000"][0] == "derives_from"  # an alias from the RO label
    assert terms[BIOLINK + "subject"][0] == "subject"
    assert ctx["id"] == "@id" and ctx["type"] == "@type"
    assert all(":" not in k for k in terms.values() for k in [k[0]])


def test_findings_json_is_one_plain_object_per_finding(out, sources, full):
    doc = json.loads((out / "exo-onto-findings.json").read_text(encoding="utf-8"))
    prefixes = {k: v for k, v in doc["@context"].items() if isinstance(v, str) and not v.startswith("@")}

    def iri(compact: str) -> URIRef:  # a compact IRI, expanded by its prefix as JSON-LD does
        prefix, local = compact.split(":", 1)
        return URIRef(prefixes[prefix] + local)

    findings = doc["findings"]
    assert len(findings) == len(set(sources.subjects(RDF.type, FINDING))) > 100
    assert {iri(f["id"]) for f in findings} == set(sources.subjects(RDF.type, FINDING))
    for item in findings:
        finding = iri(item["id"])
        assert item["type"] == "Finding"
        for key in ("subject", "predicate", "object"):
            value = sources.value(finding, URIRef(BIOLINK + key))
            assert iri(item[key]["id"]) == value, (finding, key)
            assert item[key]["label"]["en"] == english(sources, value), (finding, key)
        assert item["label"]["en"] == english(sources, finding)
        span = sources.value(finding, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        quote = next(s for s in sources.objects(span, URIRef("http://www.w3.org/ns/oa#hasSelector"))
                     if sources.value(s, URIRef("http://www.w3.org/ns/oa#exact")) is not None)
        exact = sources.value(quote, URIRef("http://www.w3.org/ns/oa#exact"))
        selectors = item["wasDerivedFrom"]["hasSelector"]
        assert {"zh": str(exact)} in [s.get("exact") for s in selectors]
    # It is still JSON-LD: what pyld reads from it is part of the release graph.
    triples = pyld_graph(doc)
    assert len(triples) > 10 * len(findings)
    assert all(t in full for t in triples)
    assert not [t for t in triples if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
