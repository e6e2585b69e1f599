"""QC (ROBOT-report style): each check fires on its fixture; the real graph has no ERROR."""

from pathlib import Path

import pytest

from exo_onto.loading import parse_turtle
from exo_onto.qc import load_checks, run_qc

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
