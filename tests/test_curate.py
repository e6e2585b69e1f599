"""exo-onto curate: a curator adds a finding from a quote without writing Turtle.

Every test that writes works on a copy of the project (ontology/, shapes/, queries/ copied into
tmp_path, EXO_ONTO_HOME pointing at it); the real checkout is only read. Expected values are taken
from the data (the source text, the Turtle files, the reference tables), not from the module.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from exo_onto.curate.changelog import compare
from exo_onto.curate.template import COLUMNS, predicate_problem
from exo_onto.paths import project_root
from exo_onto.terms.namespaces import BIOLINK, MSCEXO, OA, OBO, curie

ROOT = project_root()
#: The worked example of docs/curation.md: the English abstract's statement on immune regulation.
QUOTE = ("a variety of exosomes secreted by mesenchymal stem cells play an important role in "
         "anti-inflammatory, immune regulation and cell repair")
EXAMPLE = {
    "section": "abstract",
    "quote": QUOTE,
    "english": "A variety of exosomes secreted by MSCs play an important role in anti-inflammation, immune "
               "regulation and cell repair (English abstract).",
    "label_en": "MSC exosomes are capable of immune regulation (English abstract)",
    "label_zh": "间充质干细胞外泌体具有免疫调节作用（英文摘要）",
    "subject": "mscexo:MSCExosome",
    "predicate": "RO:0002215",
    "object": "GO:0050776",
    "evidence": "ECO:0000303",
    "editorial_note": "The English abstract restates the Chinese abstract (finding-abstract-04 records the "
                      "Chinese sentence).",
}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A copy of the project that curate may write; the real checkout stays untouched."""
    copy = tmp_path / "project"
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, copy / name)
    monkeypatch.setenv("EXO_ONTO_HOME", str(copy))
    return copy


def template(path: Path, rows: list[dict[str, str]], robot_row: bool = True) -> Path:
    out = io.StringIO(newline="")
    w = csv.writer(out, delimiter="\t", lineterminator="\n")
    w.writerow(list(COLUMNS))
    if robot_row:
        w.writerow(list(COLUMNS.values()))
    for row in rows:
        w.writerow([row.get(c, "") for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def source_offsets(home: Path, quote: str) -> tuple[int, int]:
    """Where ``quote`` is in the pinned text, whitespace ignored (written here, not taken from the module)."""
    text = (home / "ontology" / "source" / "review.zh.txt").read_text(encoding="utf-8")
    pattern = r"\s*".join(re.escape(c) for c in "".join(quote.split()))
    hits = list(re.finditer(pattern, text))
    assert len(hits) == 1
    return hits[0].start(), hits[0].end()


def next_number(home: Path, section: str) -> int:
    """One above every finding number of the section that any file mentions, withdrawn ones included."""
    numbers = [int(n) for f in (home / "ontology").rglob("*.ttl")
               for n in re.findall(rf"finding-{re.escape(section)}-(\d+)", f.read_text(encoding="utf-8"))]
    return max(numbers) + 1


def parse(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def snapshot(home: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((home / "ontology").rglob("*")) if p.is_file()}


def test_a_curator_adds_a_finding_from_a_quote(home, tmp_path, cli):
    from rdflib.namespace import XSD  # imported here: pytest's collection trips over the XSD namespace object

    env = {"EXO_ONTO_HOME": str(home)}
    tsv = template(tmp_path / "new.tsv", [EXAMPLE])
    before = snapshot(home)
    target = home / "ontology" / "kg" / "findings-abstract.ttl"
    old_graph, old_text = parse(target), target.read_text(encoding="utf-8")
    number = next_number(home, "abstract")
    new_id = f"mscexo:finding-abstract-{number:02d}"

    checked = cli("curate", str(tsv), env=env)
    assert checked.code == 0, checked.out + checked.err
    assert f"would add {new_id} in findings-abstract.ttl" in checked.out
    assert snapshot(home) == before  # checking writes nothing

    written = cli("curate", str(tsv), "--write", env=env)
    assert written.code == 0, written.out + written.err
    assert f"added {new_id}" in written.out
    after = snapshot(home)
    assert {p for p in after if after[p] != before[p]} == {target}  # no other file changed

    # the file's graph is the old one plus exactly the new finding and its span
    start, end = source_offsets(home, QUOTE)
    text = (home / "ontology" / "source" / "review.zh.txt").read_text(encoding="utf-8")
    f = URIRef(str(MSCEXO) + new_id.split(":", 1)[1])
    span = MSCEXO[f"span-{start}-{end}"]
    q, pos = MSCEXO[f"span-{start}-{end}-quote"], MSCEXO[f"span-{start}-{end}-position"]
    expected = Graph()
    expected += old_graph
    for t in [
        (f, RDF.type, MSCEXO.Finding),
        (f, RDFS.label, Literal(EXAMPLE["label_en"], lang="en")),
        (f, RDFS.label, Literal(EXAMPLE["label_zh"], lang="zh")),
        (f, BIOLINK.subject, MSCEXO.MSCExosome), (f, BIOLINK.predicate, OBO.RO_0002215),
        (f, BIOLINK.object, OBO.GO_0050776), (f, BIOLINK.has_evidence, OBO.ECO_0000303),
        (f, MSCEXO.statedInSection, MSCEXO["section-abstract"]), (f, PROV.wasDerivedFrom, span),
        (f, SKOS.editorialNote, Literal(EXAMPLE["editorial_note"], lang="en")),
        (span, RDF.type, MSCEXO.TextSpan), (span, OA.hasSource, MSCEXO["review-text-zh"]),
        (span, OA.hasSelector, q), (span, OA.hasSelector, pos),
        (span, MSCEXO.englishRendering, Literal(EXAMPLE["english"], lang="en")),
        (q, RDF.type, OA.TextQuoteSelector), (q, OA.exact, Literal(text[start:end], lang="zh")),
        (q, OA.prefix, Literal(text[start - 12:start], lang="zh")),
        (q, OA.suffix, Literal(text[end:end + 12], lang="zh")),
        (pos, RDF.type, OA.TextPositionSelector),
        (pos, OA.start, Literal(str(start), datatype=XSD.nonNegativeInteger)),
        (pos, OA.end, Literal(str(end), datatype=XSD.nonNegativeInteger)),
    ]:
        expected.add(t)
    assert isomorphic(parse(target), expected)
    # nothing else in the file changed: every old line is still there, in the same order
    new_lines = iter(target.read_text(encoding="utf-8").splitlines())
    assert all(any(line == n for n in new_lines) for line in old_text.splitlines())
    assert cli("fmt", "--check", str(target), env=env).code == 0

    check = cli("check", env=env)
    assert check.code == 0, check.out + check.err
    assert "verdict: OK" in check.out

    again = cli("curate", str(tsv), env=env)  # the same row again is the same claim: refused
    assert again.code == 1 and f"already {new_id}" in again.out


def test_export_reads_back_isomorphic(graph, tmp_path, cli):
    out = tmp_path / "findings.tsv"
    exported = cli("curate", "--export", str(out))
    assert exported.code == 0, exported.err
    findings = set(graph.subjects(RDF.type, MSCEXO.Finding))
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == len(findings) + 1  # and the ROBOT template-string row
    assert rows[0]["id"] == "ID"

    from exo_onto.curate.template import check_template

    result = check_template(out, shapes=False)
    assert result.problems == []
    assert [b.status for b in result.built] == ["unchanged"] * len(findings)
    expected = Graph()
    for f in findings:  # each finding's triples and its span's, as the files have them
        for p, o in graph.predicate_objects(f):
            expected.add((f, p, o))
        span = graph.value(f, PROV.wasDerivedFrom)
        for node in (span, *graph.objects(span, OA.hasSelector)):
            for p, o in graph.predicate_objects(node):
                expected.add((node, p, o))
    assert isomorphic(result.graph(), expected)

    reread = cli("curate", str(out))
    assert reread.code == 0, reread.out
    assert f"0 new finding(s), 0 correction(s), {len(findings)} unchanged" in reread.out


def test_problems_are_one_line_each_by_row_and_column(home, graph, tmp_path, cli):
    withdrawn = sorted(s for s in graph.subjects(OWL.deprecated, None) if "/finding-" in str(s))
    assert withdrawn
    unverified = next(r for r in csv.DictReader(open(ROOT / "ontology/reference/xrefs.tsv", encoding="utf-8"),
                                                 delimiter="\t") if r["status"] == "unverified" and r["curie"])
    rows = [
        {**EXAMPLE, "quote": "这句话不在综述里出现过"},                                    # row 3: not in the source
        {**EXAMPLE, "quote": "外泌体"},                                                      # row 4: many times
        {**EXAMPLE, "object": unverified["curie"]},                                          # row 5: unverified id
        {**EXAMPLE, "object": "HGNC:99999999"},                                              # row 6: unknown id
        {**EXAMPLE, "predicate": "RO:0002436", "direction": "Decreased"},                    # row 7: kinds
        {**EXAMPLE, "id": curie(withdrawn[0])},                                              # row 8: withdrawn id
        {**EXAMPLE, "evidence": "ECO:0007119"},                                              # row 9: not the policy's
        {**EXAMPLE, "label_zh": "", "cites": "99"},                                          # row 10: two problems
    ]
    tsv = template(tmp_path / "bad.tsv", rows)
    before = snapshot(home)
    result = cli("curate", str(tsv), "--write", env={"EXO_ONTO_HOME": str(home)})
    assert result.code == 1
    assert snapshot(home) == before  # nothing written
    lines = result.out.strip().splitlines()
    where = {tuple(line.split(":", 3)[1:3]) for line in lines}
    assert all(line.startswith(f"{tsv}:") for line in lines)
    assert where == {("3", "quote"), ("4", "quote"), ("5", "object"), ("6", "object"), ("7", "subject"),
                     ("8", "id"), ("9", "evidence"), ("10", "label_zh"), ("10", "cites")}, lines
    text = "\n".join(lines)
    assert "occurs" in text and f"{unverified['curie']} is unverified" in text
    assert "never reused" in text


def test_unreadable_templates_exit_2(home, tmp_path, cli):
    env = {"EXO_ONTO_HOME": str(home)}
    gbk = tmp_path / "gbk.tsv"
    gbk.write_bytes("id\tsection\n\t综述\n".encode("gbk"))
    for path in (gbk, tmp_path / "missing.tsv"):
        result = cli("curate", str(path), env=env)
        assert result.code == 2
        assert len(result.err.strip().splitlines()) == 1 and result.err.startswith("error: ")


def test_a_correction_needs_a_change_note_and_replaces_the_finding(home, tmp_path, cli):
    env = {"EXO_ONTO_HOME": str(home)}
    exported = tmp_path / "all.tsv"
    assert cli("curate", "--export", str(exported), env=env).code == 0
    with open(exported, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))[1:]
    row = next(r for r in rows if r["section"] == "1.3")
    target = home / "ontology" / "kg" / "findings-1.3.ttl"
    old = parse(target)
    f = URIRef(str(MSCEXO) + row["id"].split(":", 1)[1])
    row["label_en"] = row["label_en"] + " (relabelled)"
    tsv = template(tmp_path / "fix.tsv", [row])
    refused = cli("curate", str(tsv), env=env)
    assert refused.code == 1 and ":change_note:" in refused.out and "differs from the graph in label_en;" in refused.out
    note = "Label changed to say it was relabelled: a test of the correction path."
    row["change_note"] = "|".join([*(x for x in row["change_note"].split("|") if x), note])
    template(tmp_path / "fix.tsv", [row])
    done = cli("curate", str(tsv), "--write", env=env)
    assert done.code == 0, done.out + done.err
    assert f"corrected {row['id']}" in done.out
    new = parse(target)
    changes = compare(old, new)
    assert list(changes.findings_changed) == [str(f)]
    assert [c.field for c in changes.findings_changed[str(f)]] == ["labels", "change notes"]
    assert (f, SKOS.changeNote, Literal(note, lang="en")) in new
    assert cli("fmt", "--check", str(target), env=env).code == 0


def test_new_ids_skip_withdrawn_numbers(home, tmp_path):
    """A withdrawn finding's number is never given again, and two new rows get two numbers."""
    target = home / "ontology" / "kg" / "findings-abstract.ttl"
    high = next_number(home, "abstract") + 5
    withdrawn = f"""
mscexo:finding-abstract-{high}
    a owl:NamedIndividual ;
    rdfs:label "obsolete: a test finding"@en , "已废弃：测试"@zh ;
    obo:IAO_0000115 "Withdrawn finding (test)."@en ;
    owl:deprecated true ;
.
"""
    target.write_text(target.read_text(encoding="utf-8") + withdrawn, encoding="utf-8")
    from exo_onto.curate.template import check_template

    second = {**EXAMPLE, "label_en": "MSC exosomes are capable of immune regulation (English abstract, 2)",
              "quote": "", "offsets": "{}-{}".format(*source_offsets(home, QUOTE))}
    result = check_template(template(tmp_path / "two.tsv", [EXAMPLE, second]), shapes=False)
    assert result.problems == []
    assert [curie(b.finding) for b in result.built] == [f"mscexo:finding-abstract-{high + 1}",
                                                        f"mscexo:finding-abstract-{high + 2}"]


def test_every_current_finding_satisfies_the_predicate_rules(graph):
    rows = graph.query(f"""SELECT ?f ?s ?p ?o WHERE {{ ?f a <{MSCEXO.Finding}> ;
        <{BIOLINK.subject}> ?s ; <{BIOLINK.predicate}> ?p ; <{BIOLINK.object}> ?o }}""")
    rows = list(rows)
    assert len(rows) > 200
    broken = [(curie(r.f), predicate_problem(graph, r.p, r.s, r.o)) for r in rows
              if predicate_problem(graph, r.p, r.s, r.o)]
    assert broken == []
    # and the rules do refuse: a miRNA-target relation needs a miRNA and a gene
    assert predicate_problem(graph, OBO.RO_0002436, MSCEXO.MSCExosome, OBO.GO_0050776)[0] == "subject"
    mirna = next(iter(graph.objects(None, BIOLINK.subject)))  # any subject of the graph
    assert predicate_problem(graph, MSCEXO.hasOpenProblem, mirna, OBO.GO_0050776)[0] == "object"


def test_a_row_can_describe_a_new_experimental_context(home, graph, tmp_path):
    """design/species/time with no context column: a new context is minted for the study the row cites."""
    row = sorted(graph.query(f"""SELECT ?f ?s ?span ?ref WHERE {{ ?f a <{MSCEXO.Finding}> ;
        <{BIOLINK.subject}> ?s ; <{PROV.wasDerivedFrom}> ?span ; <http://purl.org/spar/cito/citesAsEvidence> ?ref ;
        <{MSCEXO.hasContext}> ?c . ?s a <{OBO.GO_0070062}> . }}"""), key=lambda r: str(r.f))[0]
    number = int(graph.value(row.ref, MSCEXO.referenceNumber))
    start = int(graph.value(URIRef(f"{row.span}-position"), OA.start))
    end = int(graph.value(URIRef(f"{row.span}-position"), OA.end))
    text = (home / "ontology" / "source" / "review.zh.txt").read_text(encoding="utf-8")
    taken = {str(s) for s in graph.subjects() if str(s).startswith(f"{MSCEXO}context-{number:02d}-invivo")}
    n = 1
    while f"{MSCEXO}context-{number:02d}-invivo" + ("" if n == 1 else f"-{n}") in taken:
        n += 1
    expected = URIRef(f"{MSCEXO}context-{number:02d}-invivo" + ("" if n == 1 else f"-{n}"))
    new = {**EXAMPLE, "section": str(graph.value(row.f, MSCEXO.statedInSection)).rsplit("section-", 1)[1],
           "quote": text[start:end], "english": "", "subject": curie(row.s), "evidence": "ECO:0000304",
           "cites": str(number), "design": "OBI:0001199", "species": "NCBITaxon:10116", "time_weeks": "4",
           "editorial_note": ""}
    from exo_onto.curate.template import check_template

    result = check_template(template(tmp_path / "ctx.tsv", [new]))
    assert result.problems == []
    built = result.built[0]
    assert (built.finding, MSCEXO.hasContext, expected) in built.triples
    ctx = {(p, o) for p, o in built.extra.predicate_objects(expected)}
    assert {(RDF.type, MSCEXO.ExperimentalContext), (MSCEXO.studyDesign, OBO.OBI_0001199),
            (MSCEXO.inSpecies, OBO.NCBITaxon_10116), (MSCEXO.intervention, row.s),
            (URIRef("http://purl.org/dc/terms/source"), row.ref), (PROV.wasDerivedFrom, row.span)} <= ctx
    assert str(built.extra.value(expected, MSCEXO.timePointWeeks)) == "4.0"
