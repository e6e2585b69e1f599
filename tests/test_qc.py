"""QC (ROBOT-report style): each check fires on its fixture; the real graph has no ERROR."""

from pathlib import Path

import pytest

from exo_onto.io.load import parse_turtle
from exo_onto.query.qc import load_checks, run_qc

FIXTURES = Path(__file__).parent / "data" / "qc"
CHECKS = load_checks()


def test_every_check_has_a_failing_fixture():
    assert sorted(c.name for c in CHECKS) == sorted(p.stem for p in FIXTURES.glob("*.ttl"))


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_check_fires_on_its_fixture(check):
    report = run_qc(parse_turtle(FIXTURES / f"{check.name}.ttl"), [check])
    assert report.rows, f"{check.name} did not fire on its fixture"
    assert all(r.entity.startswith("https://w3id.org/exo-onto/") for r in report.rows)


def test_robot_profile_severities():
    severity = {c.name: c.severity for c in CHECKS}
    for name in ("missing_label", "missing_definition", "duplicate_label", "multiple_labels", "label_whitespace",
                 "deprecated_reference", "missing_ontology_metadata", "undeclared_property", "malformed_xref"):
        assert severity[name] == "ERROR", name


def test_project_graph_has_no_qc_error(graph):
    report = run_qc(graph)
    errors = [r for r in report.rows if r.severity == "ERROR"]
    assert errors == []


def test_a_header_without_severity_is_rejected(tmp_path):
    (tmp_path / "bad.rq").write_text("# name: bad\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(ValueError, match="bad.rq"):
        load_checks(tmp_path)


def test_duplicate_label_groups_by_text_and_language():
    """The check groups labels (linear) instead of comparing every pair: same text in another language,
    or the same term labelled twice, is not a duplicate."""
    from rdflib import Graph

    graph = Graph().parse(format="turtle", data="""
        @prefix mscexo: <https://w3id.org/exo-onto/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        mscexo:A a owl:Class ; rdfs:label "Chondrocyte"@en , "软骨细胞"@zh .
        mscexo:B a owl:ObjectProperty ; rdfs:label "chondrocyte"@en .
        mscexo:C a owl:Class ; rdfs:label "Chondrocyte"@de .
        mscexo:D a owl:Class ; rdfs:label "软骨细胞"@zh-Hant .""")
    [check] = [c for c in CHECKS if c.name == "duplicate_label"]
    rows = run_qc(graph, [check]).rows
    assert sorted((r.entity.rsplit("/", 1)[-1], r.value) for r in rows) == [("A", "Chondrocyte"), ("B", "chondrocyte")]
