"""``exo-onto validate`` run as a curator would: a readable report, JSON, and documented exit codes."""

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"


def test_the_project_graph_conforms_and_lists_the_misev_gaps(cli):
    r = cli("validate")
    assert r.code == 0, r.out + r.err
    assert "0 violation(s)" in r.out and "verdict: conforms (warnings only)" in r.out
    # Grouped by node, with its label, then one line per unreported MISEV item.
    assert 'mscexo:prep-24-bmsc-exo  "BMSC exosomes of Cosenza et al. [24]"' in r.out
    assert "  Warning    mscexo:separationMethod: MISEV: the separation/concentration method is not reported" in r.out


def test_a_dropped_span_gives_one_clear_line(cli):
    r = cli("validate", str(INVALID / "finding-span-dropped.ttl"))
    assert r.code == 1
    lines = r.out.splitlines()
    node = lines.index('mscexo:finding-t1  "Test exosomes increase collagen II expression in chondrocytes"')
    assert lines[node + 1].startswith("  Violation  prov:wasDerivedFrom: A finding is derived from exactly one "
                                      "verbatim span of the review")
    assert "verdict: does NOT conform" in r.out and "Traceback" not in r.out + r.err


def test_a_made_up_direction_and_a_mistyped_id_name_field_and_value(cli):
    r = cli("validate", str(INVALID / "finding-direction-made-up.ttl"), str(INVALID / "id-hgnc-double-prefix.ttl"))
    assert r.code == 1
    assert "  Violation  mscexo:direction = mscexo:Sideways: A finding states at most one direction" in r.out
    assert ("  Violation  biolink:object = hgnc:HGNC:2200: hgnc:HGNC:2200 is not an HGNC gene IRI: write "
            "https://identifiers.org/hgnc: followed by the numeric HGNC ID") in r.out


def test_json_report(cli):
    r = cli("validate", "--format", "json", str(INVALID / "span-length-mismatch.ttl"))
    assert r.code == 1
    report = json.loads(r.out)
    assert report["conforms"] is False and report["violations"] == 1 and report["warnings"] == 0
    [result] = report["results"]
    assert result["focus"] == "mscexo:span-10-19-quote"
    assert result["shape"] == "mscexosh:SpanLengthShape" and result["constraint"] == "mscexosh:SpanLengthRule"
    assert result["path"] == "oa:exact" and result["value"] == '"间充质干细胞"@zh'
    assert "6 characters long but its span's offsets cover 9" in result["message"]


def test_min_severity_hides_warnings_but_counts_them(cli):
    r = cli("validate", "--min-severity", "violation", str(INVALID / "misev-dose.ttl"))
    assert r.code == 0, "warnings never fail validation"
    assert "MISEV" not in r.out and "0 violation(s), 1 warning(s)" in r.out


def test_an_unparsable_file_is_one_line_with_file_and_line(cli):
    bad = DATA / "invalid-turtle" / "missing-dot.ttl"
    r = cli("validate", str(bad))
    assert r.code == 2
    assert r.err.strip().splitlines() == [f"error: {bad}:5: A dot is expected at the end of statements"]
    assert "Traceback" not in r.out + r.err


def test_a_missing_file_cannot_run(cli):
    r = cli("validate", "no/such/file.ttl")
    assert r.code == 2 and r.err.strip() == "error: no such file: no/such/file.ttl"


def test_limit_lists_the_first_results_per_shape_and_report_file_gets_them_all(cli, tmp_path):
    """At scale the text report is bounded by --limit; --report FILE streams every result (JSON Lines)."""
    out = tmp_path / "all.jsonl"
    r = cli("validate", "--limit", "1", "--report", str(out))
    assert r.code == 0, r.err
    listed = [line for line in r.out.splitlines() if line.startswith("  Warning")]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    shapes = {row["shape"] for row in rows}
    assert len(rows) == 153 and len(listed) == len(shapes) == 9  # the nine MISEV items, one each
    assert "0 violation(s), 153 warning(s)" in r.out and f"{153 - 9} not listed" in r.out
    assert {"focus", "path", "value", "message", "severity", "shape", "constraint"} <= set(rows[0])


def test_an_existing_report_file_is_not_replaced_without_force(cli, tmp_path):
    mine = tmp_path / "notes.jsonl"
    mine.write_text("my own notes\n", encoding="utf-8")
    r = cli("validate", "--report", str(mine))
    assert r.code == 2 and "exists" in r.err and len(r.err.strip().splitlines()) == 1
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    assert cli("validate", "--report", str(mine), "--force").code == 0
    assert len(mine.read_text(encoding="utf-8").splitlines()) == 153


def test_a_run_that_cannot_validate_leaves_no_report_file(cli, tmp_path):
    out = tmp_path / "r.jsonl"
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle\n", encoding="utf-8")
    r = cli("validate", str(broken), "--report", str(out))
    assert r.code == 2 and not out.exists() and list(tmp_path.iterdir()) == [broken]
