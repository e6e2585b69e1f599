"""HermiT on the real graph, and on fixtures that must fail (or be classified)."""

from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from exo_onto import load_graph, reason
from exo_onto.io.load import parse_turtle
from exo_onto.terms.namespaces import BASE

DATA = Path(__file__).parent / "data" / "reasoning"
M = BASE
GO = "http://purl.obolibrary.org/obo/"


def with_fixture(*names: str):
    g = load_graph()
    for name in names:
        parse_turtle(DATA / name, g)
    return g


@cache
def full_hermit(*names: str):
    """HermiT over the project with fixtures added, once for every test that asks. The two consistent
    fixtures go in one run: each test reads its own part of the answer."""
    return reason(with_fixture(*names))


CONSISTENT_FIXTURES = ("large-defect.ttl", "unsatisfiable.ttl")


def test_real_graph_is_consistent_and_coherent(hermit_report):
    assert hermit_report.reasoner == "HermiT"
    assert hermit_report.consistent
    assert hermit_report.unsatisfiable == []


def test_defined_classes_are_filed_by_the_reasoner(hermit_report):
    inferred = set(hermit_report.inferred_superclasses)
    # Expected from the definitions: each source's exosome is an MSC exosome.
    for source in ["BMSCExosome", "ADMSCExosome", "SMSCExosome", "IPFPMSCExosome", "HESCMSCExosome"]:
        assert (M + source, M + "MSCExosome") in inferred, source
    assert (M + "UCMSCSmallExtracellularVesicle", M + "MSCSmallExtracellularVesicle") in inferred
    assert (M + "MSCExosome", M + "MSCExtracellularVesicle") in inferred
    assert (M + "LargeArticularCartilageDefect", M + "ArticularCartilageDefect") in inferred
    assert (M + "ChondrocyteApoptosis", GO + "GO_0006915") in inferred
    assert (M + "SynovialMSC", GO + "CL_0000134") in inferred


def test_icrs_size_classes_classify_lesions():
    report = full_hermit(*CONSISTENT_FIXTURES)
    types = set(report.inferred_types)
    assert (M + "test-lesion-8mm", M + "LargeArticularCartilageDefect") in types
    assert not [t for t in types if t[0] == M + "test-lesion-2mm"]


def test_inconsistency_is_detected_and_explained():
    """HermiT says only "inconsistent"; the ABox rules name the individual and the two disjoint classes."""
    report = full_hermit("inconsistent.ttl")
    assert not report.consistent and not report.ok
    assert report.errors == [f"OWL 2 RL explanation: {M}test-cell-both is an instance of the disjoint classes "
                             f"{GO}CL_0000134 and {GO}CL_0000138 (OWL 2 RL rule cax-dw)"]


def test_two_values_of_a_functional_property_are_explained():
    """owlrl gave no reason for this one; the ABox rules name the individual and the property."""
    report = full_hermit("functional-two-values.ttl")
    assert not report.consistent
    assert report.errors == [f"OWL 2 RL explanation: {M}test-lesion-twice has two different values of the "
                             f"functional property {M}lesionDiameterMm (OWL 2 RL rule prp-fp)"]


def test_an_inconsistency_the_abox_rules_miss_is_explained_by_owlrl():
    """An individual of owl:Nothing: no disjoint pair and no functional property, so owlrl's closure explains it."""
    g = Graph().parse(format="turtle", data="""@prefix owl: <http://www.w3.org/2002/07/owl#> .
        <http://example.org/o> a owl:Ontology . <http://example.org/x> a owl:NamedIndividual , owl:Nothing .""")
    report = reason(g)
    assert report.reasoner == "HermiT" and not report.consistent
    assert len(report.errors) == 1 and report.errors[0].startswith("OWL 2 RL explanation: ")
    assert "http://example.org/x" in report.errors[0] and "(OWL 2 RL rule" not in report.errors[0]


def test_unsatisfiable_class_is_reported():
    report = full_hermit(*CONSISTENT_FIXTURES)
    assert report.consistent
    assert report.unsatisfiable == [M + "TestImpossibleVesicle"]


def test_without_java_an_owl_rl_check_runs(monkeypatch):
    """On the inconsistent fixture with the one disjointness axiom it breaks: the project passing without Java
    is test_cli's check without Java, and owlrl's closure of the project takes 4.5 s."""
    monkeypatch.setenv("EXO_ONTO_JAVA", "")
    fixture = Graph().parse(DATA / "inconsistent.ttl")
    fixture.add((URIRef(GO + "CL_0000134"), OWL.disjointWith, URIRef(GO + "CL_0000138")))
    report = reason(fixture)
    assert report.reasoner.startswith("OWL 2 RL")
    assert "Java not found" in report.note
    assert not report.consistent
    assert any("test-cell-both" in e for e in report.errors), report.errors


# --- the scalable path: HermiT on the TBox, OWL 2 RL rules on the ABox (Oxigraph) --------------

def _loaded(*extra: str):
    from exo_onto.io.load import load_store
    from exo_onto.paths import ontology_files

    return load_store([*ontology_files(), *(DATA / name for name in extra)])


def test_tbox_mode_finds_the_project_consistent():
    from exo_onto.reason.reasoner import reason_store

    report = reason_store(_loaded(), "tbox")
    assert report.consistent and report.unsatisfiable == [] and report.errors == []
    assert "on the TBox" in report.reasoner and "OWL 2 RL rules on the ABox" in report.reasoner
    # HermiT still classifies the TBox: the defined classes are filed as in the full run.
    assert (M + "BMSCExosome", M + "MSCExosome") in set(report.inferred_superclasses)


def test_tbox_mode_agrees_with_full_hermit_on_each_inconsistent_fixture():
    """Disjoint types and two values of a functional property: full HermiT (the reference) and the
    ABox rules both reject the fixture, and the rules name the individual and why."""
    from exo_onto.reason.reasoner import reason_store

    for name, words in (("inconsistent.ttl", ("test-cell-both", "CL_0000134", "CL_0000138", "cax-dw")),
                        ("functional-two-values.ttl", ("test-lesion-twice", "lesionDiameterMm", "prp-fp"))):
        assert not full_hermit(name).consistent, name
        report = reason_store(_loaded(name), "tbox")
        assert not report.consistent, name
        assert any(all(w in e for w in words) for e in report.errors), report.errors


def test_auto_keeps_full_hermit_for_the_project_and_uses_the_rules_on_three_times_its_size(tmp_path):
    """The switch once sat at 150,000 triples, measured on a graph without the import modules: with them,
    HermiT over everything took 50 s at 51,370 triples, longer than the whole check of a graph twenty
    times larger (x223: 21 s). The project's own graph stays below the switch, so it keeps the complete
    reasoning."""
    from exo_onto.io.load import load_store
    from exo_onto.paths import ontology_files
    from exo_onto.reason.reasoner import FULL_REASONING_MAX_TRIPLES, reason_store

    project = _loaded()
    assert project.triples <= FULL_REASONING_MAX_TRIPLES
    extra = tmp_path / "more.nt"  # instance data of no class: only the size of the graph matters here
    extra.write_text("".join(f'<http://example.org/s{i // 4}> <http://example.org/p{i % 4}> "{i}" .\n'
                             for i in range(2 * project.triples)), encoding="utf-8")
    report = reason_store(load_store([*ontology_files(), extra]), "auto")
    assert report.consistent
    assert report.reasoner == "HermiT on the TBox, OWL 2 RL rules on the ABox"
    assert f"graph above {FULL_REASONING_MAX_TRIPLES:,} triples" in report.note


def test_the_abox_rules_find_disjoint_types_through_subclasses_and_all_disjoint_classes(tmp_path):
    """cax-dw / cax-adc with the pairs joined first: an individual typed with a subclass of one member of
    an AllDisjointClasses and with another member is named, once per clashing pair; one typed within a
    single side is not. The hierarchy may pass through a class expression (a blank node), and an individual
    may be typed with one. The store is left as it was found."""
    from exo_onto.io.load import load_store
    from exo_onto.reason.reasoner import _abox_clashes

    data = tmp_path / "d.ttl"
    data.write_text("""@prefix : <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:A a owl:Class . :B a owl:Class . :C a owl:Class . :A1 a owl:Class ; rdfs:subClassOf :A .
:A2 a owl:Class ; rdfs:subClassOf :A1 . :D a owl:Class ; owl:disjointWith :A1 .
[] a owl:AllDisjointClasses ; owl:members ( :A :B :C ) .
:x a :A2 , :B .
:y a :A1 , :A2 .
:z a :C , :D , :A .
:B3 rdfs:subClassOf _:b . _:b rdfs:subClassOf :B .
:v a :B3 , :C .
:u a _:b , :A .
""", encoding="utf-8")
    loaded = load_store(data)
    before = set(loaded.store)
    found = sorted(_abox_clashes(loaded, []))
    assert [e.split(" (OWL")[0] for e in found] == [
        "http://example.org/u is an instance of the disjoint classes http://example.org/A and http://example.org/B",
        "http://example.org/v is an instance of the disjoint classes http://example.org/B and http://example.org/C",
        "http://example.org/x is an instance of the disjoint classes http://example.org/A and http://example.org/B",
        "http://example.org/z is an instance of the disjoint classes http://example.org/A and http://example.org/C",
    ]
    assert set(loaded.store) == before and list(loaded.store.named_graphs()) == []


def test_the_tbox_holds_class_and_property_axioms_never_instance_data(tmp_path):
    """Untyped instance triples used to count as TBox, so HermiT got all of them (636 s on 2 M triples).
    The TBox is classes, properties, their axioms and the class expressions they reach."""
    from rdflib import BNode, URIRef

    from exo_onto.io.load import load_store
    from exo_onto.reason.reasoner import tbox_graph

    data = tmp_path / "mixed.ttl"
    data.write_text("""@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix ex: <http://example.org/> .
ex:C a owl:Class ; rdfs:label "C" ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ;
    owl:someValuesFrom [ owl:intersectionOf ( ex:D ex:E ) ] ] .
ex:p a owl:ObjectProperty ; rdfs:domain ex:C .
ex:Undeclared rdfs:subClassOf ex:C .
ex:x ex:p ex:y ; ex:q "untyped" .
ex:z a ex:C ; ex:p ex:x .
""", encoding="utf-8")
    tbox = tbox_graph(load_store(data))
    subjects = {s for s in tbox.subjects() if not isinstance(s, BNode)}
    ex = "http://example.org/"
    assert subjects == {URIRef(ex + "C"), URIRef(ex + "p"), URIRef(ex + "Undeclared")}
    # The restriction, the intersection class and its two list cells come along; ex:x, ex:y, ex:z do not.
    assert len({s for s in tbox.subjects() if isinstance(s, BNode)}) == 4
    assert len(tbox) == 3 + 2 + 1 + 3 + 1 + 4
