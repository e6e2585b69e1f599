"""Each command run as a user would, through the installed ``exo-onto`` script."""

import shutil
from pathlib import Path

import pytest

from exo_onto.paths import ontology_files

DATA = Path(__file__).parent / "data"


def test_check_passes_on_the_project(cli):
    r = cli("check")
    assert r.code == 0, r.out + r.err
    assert "reason (HermiT): consistent, 0 unsatisfiable" in r.out
    assert "verdict: OK" in r.out
    assert "classes " in r.out and "triples " in r.out


def test_check_names_file_and_line_of_a_broken_copy(cli, tmp_path):
    broken = tmp_path / "exo-onto.ttl"
    lines = ontology_files()[0].read_text(encoding="utf-8").splitlines(keepends=True)
    # A hand edit that uses a prefix the file never declares, inserted between two statements.
    blank = next(i for i, line in enumerate(lines) if not line.strip() and i > 30)
    lines.insert(blank + 1, "mscexo:Oops rdfs:subClassOf nope:Thing .\n")
    bad_line = blank + 2
    broken.write_text("".join(lines), encoding="utf-8")
    r = cli("check", str(broken))
    assert r.code == 1
    assert f"{broken}:{bad_line}: The prefix nope: has not been declared" in r.out, r.out
    assert "Traceback" not in r.out + r.err


@pytest.mark.parametrize("reasoning", ["auto", "tbox"])
def test_check_reports_inconsistency_with_an_explanation(cli, reasoning):
    """auto is HermiT over everything here; tbox is the large-graph path (HermiT on the TBox, rules on the ABox)."""
    files = [str(p) for p in ontology_files()] + [str(DATA / "reasoning" / "inconsistent.ttl")]
    r = cli("check", "--reasoning", reasoning, *files)
    assert r.code == 1
    assert "INCONSISTENT" in r.out and "test-cell-both" in r.out
    assert ("OWL 2 RL rules on the ABox" in r.out) == (reasoning == "tbox")


def test_check_without_java_falls_back_to_owl_rl(cli):
    r = cli("check", env={"EXO_ONTO_JAVA": ""})
    assert r.code == 0, r.out + r.err
    assert "Java not found" in r.out and "OWL 2 RL" in r.out


def test_check_rejects_a_missing_file(cli):
    r = cli("check", "no/such/file.ttl")
    assert r.code == 2 and "no such file" in r.err


def test_fmt_check_accepts_the_project_and_rewrites_a_messy_copy(cli, tmp_path):
    assert cli("fmt", "--check").code == 0
    messy = tmp_path / "messy.ttl"
    src = DATA / "reasoning" / "large-defect.ttl"
    shutil.copy(src, messy)
    r = cli("fmt", "--check", str(messy))
    assert r.code == 1 and "not canonical" in r.out
    assert messy.read_text() == src.read_text(), "--check must not write"
    assert cli("fmt", str(messy)).code == 0
    assert cli("fmt", "--check", str(messy)).code == 0
    assert "PREFIX mscexo: <https://w3id.org/exo-onto/>" in messy.read_text()


def test_span_prints_the_verbatim_span(cli):
    r = cli("span", "根据国际软骨修复协会（International Cartilage Repair Society, ICRS）分级法", "--en", "By ICRS")
    assert r.code == 0, r.err
    # The source breaks this sentence over two lines and puts a space before the bracket.
    assert '"""根据国际软骨修复协会 （International\nCartilage Repair Society, ICRS）分级法"""@zh' in r.out
    assert cli("span", "外泌体").code == 1
