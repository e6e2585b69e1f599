"""The knowledge graph holds every finding of the review, each traceable to its Chinese sentence."""

import hashlib
import re

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from exo_onto.io.spans import locate, source_text
from exo_onto.paths import source_text_path
from exo_onto.terms.namespaces import BIOLINK, CITO, MSCEXO, OA, OBO, PROV

M = MSCEXO
TEXT = source_text()

PREDICATES = {
    OBO[x] for x in (
        "RO_0002213", "RO_0002212", "RO_0002211", "RO_0002436", "RO_0002599", "RO_0003307", "RO_0002606", "RO_0003304",
        "RO_0002215", "BFO_0000051", "RO_0001000", "RO_0000087",
    )
} | {M[x] for x in (
    "affects", "outperforms", "lacksPart", "correlatesNegativelyWith", "retainsFeaturesOf",
    "hasStorageRequirement", "hasOpenProblem", "hasResearchDirection",
)}
NEEDS_DIRECTION = {OBO.RO_0002213, OBO.RO_0002212, OBO.RO_0002436, M.affects}
# The evidence policy (docs/curation.md): the evidence of every finding is the review's statement -- cited
# (ECO:0000304), uncited (ECO:0000303) or its own inference (ECO:0006185). The cited study's design is context.
EVIDENCE = {OBO[x] for x in ("ECO_0000304", "ECO_0000303", "ECO_0006185")}

# Parts of the source that state no claim: title, authors, affiliation, headings (typed from the source).
NOT_CLAIMS = [
    "间充质干细胞外泌体对软骨修复作用的研究进展△", "赖圳登，张 雷，赵建宁*",
    "（南京大学医学院附属金陵医院骨科，江苏南京 210002）", "摘要：",
    "1 不同来源的间充质干细胞外泌体及其修复软骨缺损的机制",
    "1.1 人胚胎干细胞源间充质干细胞（human embry⁃onic stem cells MSC, hESC-MSC）来源的外泌体",
    "1.2 骨髓间充质干细胞（bone marrow MSCs, BMSC）来源的外泌体",
    "1.3 脂肪间充质干细胞（adipose-derived MSC，AD-MSC）来源的外泌体",
    "1.4 滑 膜 间 充 质 干 细 胞 （synovial- derived MSC, SMSC）来源的外泌体",
    "1.5 髌下脂肪垫间充质干细胞（infrapatellar fat pad-derived MSC, MSCIPFP）来源的外泌体",
    "2 组织工程技术与临床转化", "2.1 脱细胞水凝胶外泌体贴片",
    "2.2 负载小细胞外囊泡的明胶/纳米粘土凝胶递送miRNA", "2.3 外泌体生物墨水", "3 小 结",
]
SECTIONS_WITH_CLAIMS = ["abstract", "introduction", "1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "3"]


def findings(graph):
    return sorted(set(graph.subjects(RDF.type, M.Finding)))


def spans(graph):
    for span in set(graph.subjects(RDF.type, M.TextSpan)):
        sels = list(graph.objects(span, OA.hasSelector))
        quote = next(s for s in sels if (s, RDF.type, OA.TextQuoteSelector) in graph)
        pos = next(s for s in sels if (s, RDF.type, OA.TextPositionSelector) in graph)
        yield span, quote, int(graph.value(pos, OA.start)), int(graph.value(pos, OA.end))


def test_source_text_is_pinned_by_checksum(graph):
    digest = hashlib.sha256(source_text_path().read_bytes()).hexdigest()
    assert str(graph.value(M["review-text-zh"], M.sha256)) == digest


def test_every_span_equals_the_source_at_its_offsets(graph):
    checked = 0
    for span, quote, start, end in spans(graph):
        exact = graph.value(quote, OA.exact)
        assert str(exact) == TEXT[start:end], span
        assert exact.language == "zh"
        assert span == M[f"span-{start}-{end}"]
        assert str(graph.value(quote, OA.prefix)) == TEXT[max(0, start - 12):start]
        assert str(graph.value(quote, OA.suffix)) == TEXT[end:end + 12]
        rendering = graph.value(span, M.englishRendering)
        assert rendering is not None and rendering.language == "en" and str(rendering).strip()
        assert graph.value(span, OA.hasSource) == M["review-text-zh"]
        checked += 1
    assert checked > 90


def test_every_finding_is_complete(graph):
    problems = []
    for f in findings(graph):
        def one(p, f=f):
            return list(graph.objects(f, p))

        for p in (BIOLINK.subject, BIOLINK.predicate, BIOLINK.object, M.statedInSection, PROV.wasDerivedFrom):
            if len(one(p)) != 1:
                problems.append(f"{f}: {len(one(p))} x {p}")
        pred = graph.value(f, BIOLINK.predicate)
        if pred not in PREDICATES:
            problems.append(f"{f}: predicate {pred} not in the closed set")
        if pred in NEEDS_DIRECTION and graph.value(f, M.direction) is None:
            problems.append(f"{f}: {pred} needs a direction")
        ev = one(BIOLINK.has_evidence)
        if len(ev) != 1 or ev[0] not in EVIDENCE:
            problems.append(f"{f}: evidence {ev}")
        span = graph.value(f, PROV.wasDerivedFrom)
        if (span, RDF.type, M.TextSpan) not in graph:
            problems.append(f"{f}: provenance {span} is not a text span")
        if sorted(lab.language for lab in graph.objects(f, RDFS.label)) != ["en", "zh"]:
            problems.append(f"{f}: labels")
        for ref in one(CITO.citesAsEvidence):
            if graph.value(ref, M.referenceNumber) is None:
                problems.append(f"{f}: cites {ref}, which is not a cited work")
    assert not problems, "\n".join(problems)


def cited_numbers(text):
    numbers = set()
    for m in re.finditer(r"［([0-9~，、,]+)］", text):
        for part in re.split(r"[，、,]", m.group(1)):
            a, _, b = part.partition("~")
            numbers |= set(range(int(a), int(b or a) + 1))
    return numbers


def test_every_reference_number_in_the_source_has_a_work_cited_by_some_finding(graph):
    numbers = cited_numbers(TEXT)
    assert numbers == set(range(1, 40))  # read off the source: [1] … [39]
    cited_by_findings = {graph.value(o, M.referenceNumber).toPython()
                         for o in graph.objects(None, CITO.citesAsEvidence)}
    for n in numbers:
        work = M[f"ref-{n:02d}"]
        assert graph.value(work, M.referenceNumber).toPython() == n
        assert n in cited_by_findings, f"reference [{n}] carries a claim but no finding cites it"


def test_only_verified_identifiers_are_asserted_for_studies(graph):
    from exo_onto.terms.namespaces import BIBO
    # From the bibliography: DOIs seen on public pages. Candidates must not be asserted.
    dois = {str(w): str(d) for w, d in graph.subject_objects(BIBO.doi)}
    assert dois[str(M["ref-18"])] == "10.1016/j.joca.2016.06.022"
    assert dois[str(M["ref-33"])] == "10.7150/thno.31017"
    for unverified in ("ref-23", "ref-26", "ref-28", "ref-30", "ref-31"):
        assert str(M[unverified]) not in dois
        assert graph.value(M[unverified], M.identificationStatus) == M.IdentityCandidate
    assert graph.value(M["ref-35"], M.identificationStatus) == M.IdentityUnknown


def test_every_section_with_text_has_findings(graph):
    counts = {s: 0 for s in SECTIONS_WITH_CLAIMS}
    for f in findings(graph):
        sec = str(graph.value(f, M.statedInSection)).removeprefix(str(M) + "section-")
        counts[sec] = counts.get(sec, 0) + 1
    assert all(counts[s] >= 3 for s in SECTIONS_WITH_CLAIMS), counts


def test_every_sentence_of_the_review_is_covered_by_a_span(graph):
    covered = bytearray(len(TEXT))
    for _, _, start, end in spans(graph):
        covered[start:end] = b"\x01" * (end - start)
    exempt = bytearray(len(TEXT))
    for heading in NOT_CLAIMS:
        sp = locate(heading)
        exempt[sp.start:sp.end] = b"\x01" * (sp.end - sp.start)
    english = (TEXT.index("Research progress of mesenchymal"), TEXT.index("关节软骨是构成膝关节"))
    exempt[english[0]:english[1]] = b"\x01" * (english[1] - english[0])
    gaps = []
    for m in re.finditer(r"[^。；]+[。；]?", TEXT):
        chars = [i for i in range(m.start(), m.end()) if not TEXT[i].isspace() and not exempt[i]]
        if len(chars) < 4:
            continue
        share = sum(covered[i] for i in chars) / len(chars)
        if share < 0.9:
            gaps.append(f"{share:.0%} covered at {m.start()}: {TEXT[m.start():m.end()].strip()[:60]!r}")
    assert not gaps, "\n".join(gaps)


def _iri(curie_text):
    from exo_onto.terms.namespaces import EFO, HGNC, MIRBASE_MATURE

    prefix, _, local = curie_text.partition(":")
    if prefix == "obo" and local.startswith("EFO_"):
        return EFO[local]
    return {"obo": OBO, "mscexo": M, "hgnc": HGNC, "mirbase.mature": MIRBASE_MATURE}[prefix][local]


def _expected_rows():
    from pathlib import Path

    lines = (Path(__file__).parent / "data" / "expected-findings.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("row", _expected_rows(), ids=lambda r: f"{r['section']}-{r['ref']}-{r['object']}")
def test_claim_read_from_the_source_is_in_the_graph(graph, row):
    def subject_ok(s):
        if row["subject"] == "*":
            return True
        if row["subject"].startswith("from:"):
            cls = _iri(row["subject"][5:])
            return any((c, RDF.type, cls) in graph for c in graph.objects(s, OBO.RO_0001000))
        return s == _iri(row["subject"])

    hits = []
    for f in findings(graph):
        if graph.value(f, M.statedInSection) != M[f"section-{row['section']}"]:
            continue
        refs = set(graph.objects(f, CITO.citesAsEvidence))
        if row["ref"] != "-" and M[f"ref-{int(row['ref']):02d}"] not in refs:
            continue
        if row["object"] != "*" and graph.value(f, BIOLINK.object) != _iri(row["object"]):
            continue
        if row["predicate"] != "*" and graph.value(f, BIOLINK.predicate) != _iri(row["predicate"]):
            continue
        if row["direction"] != "*" and graph.value(f, M.direction) != M[row["direction"]]:
            continue
        if row["evidence"] != "*" and graph.value(f, BIOLINK.has_evidence) != _iri(row["evidence"]):
            continue
        if subject_ok(graph.value(f, BIOLINK.subject)):
            hits.append(f)
    assert hits, f"no finding for: {row['source sentence (abridged)']}"


def test_review_and_source_disagreements_carry_curator_notes(graph):
    from rdflib.namespace import SKOS

    def notes(f):
        return " ".join(str(n) for n in graph.objects(f, SKOS.editorialNote))

    il10 = [f for f in findings(graph) if graph.value(f, BIOLINK.object) == URIRef("https://identifiers.org/hgnc:5962")]
    assert il10 and all("increase" in notes(f).lower() for f in il10)
    liacini = [f for f in findings(graph) if M["ref-27"] in set(graph.objects(f, CITO.citesAsEvidence))]
    assert any("exosome" in notes(f).lower() for f in liacini) or "exosome" in notes(M["ref-27"]).lower()


def test_every_experimental_context_names_its_study_and_is_used(graph):
    from rdflib.namespace import DCTERMS

    for ctx in set(graph.subjects(RDF.type, M.ExperimentalContext)):
        study = graph.value(ctx, DCTERMS.source)
        assert graph.value(study, M.referenceNumber) is not None, ctx
        assert graph.value(ctx, M.studyDesign) in (OBO.OBI_0001199, OBO.OBI_0001285), ctx


def test_regulates_without_direction_is_kept_as_the_review_words_it(graph):
    # 1.2 [25]: "miR-92a-3p 通过直接靶向 WNT5A 来调节软骨发育和体内稳态" says "regulates", with no direction.
    for fid in ("finding-1.2-27", "finding-1.2-28"):
        assert graph.value(M[fid], BIOLINK.predicate) == OBO.RO_0002211
        assert graph.value(M[fid], M.direction) is None
