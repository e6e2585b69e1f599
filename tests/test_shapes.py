"""The SHACL shapes: each constraint rejects its broken example, valid examples and the real graph pass.

``tests/data/invalid/manifest.tsv`` names, for each invalid file, the shape, the field (result path),
the severity and the constraint (component, or the SPARQL rule) that must reject it, and nothing
else at that severity may. A constraint that no invalid file triggers counts as untested.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from exo_onto import load_graph
from exo_onto.io.fmt import canonical_turtle
from exo_onto.io.load import load_ontology, load_store, parse_turtle
from exo_onto.paths import shapes_dir, tbox_files
from exo_onto.pipeline.check import StepResult, validate_step
from exo_onto.shacl.report import ValidationReport, ValidationResult, shorten
from exo_onto.shacl.validate import load_shapes, validate_files, validate_graph
from exo_onto.terms.namespaces import DEFINITION, MSCEXO, MSCEXOSH, OBO, SH

DATA = Path(__file__).parent / "data"
INVALID, VALID = DATA / "invalid", DATA / "valid"
RANK = {"Violation": 0, "Warning": 1, "Info": 2}

#: SHACL core parameters -> the constraint component they make (the ones the shapes use).
COMPONENTS = {
    SH[p]: f"sh:{c}ConstraintComponent" for p, c in {
        "minCount": "MinCount", "maxCount": "MaxCount", "class": "Class", "datatype": "Datatype",
        "nodeKind": "NodeKind", "in": "In", "pattern": "Pattern", "languageIn": "LanguageIn",
        "uniqueLang": "UniqueLang", "minExclusive": "MinExclusive", "node": "Node", "or": "Or",
        "hasValue": "HasValue", "qualifiedMinCount": "QualifiedMinCount",
        "qualifiedMaxCount": "QualifiedMaxCount",
    }.items()
}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
MISEV_PROPERTIES = ("sourceAmount", "separationMethod", "quantificationMethod", "transmembraneMarker",
                    "cytosolicMarker", "negativeMarker", "singleVesicleMethod", "doseValue", "doseUnit",
                    "storedUnder")


def manifest() -> dict[str, set[tuple[str, str, str, str]]]:
    expected = defaultdict(set)
    with open(INVALID / "manifest.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            expected[row["file"]].add((row["shape"], row["path"], row["severity"], row["constraint"]))
    return expected


EXPECTED = manifest()
INVALID_FILES = sorted(p.name for p in INVALID.glob("*.ttl"))
VALID_FILES = sorted(p.name for p in VALID.glob("*.ttl"))


def _fixture_paths() -> dict[str, Path]:
    return {**{f"invalid/{n}": INVALID / n for n in INVALID_FILES}, **{n: VALID / n for n in VALID_FILES}}


@pytest.fixture(scope="module")
def reports():
    """The project's path (fast SHACL-SPARQL on Oxigraph), each fixture validated on its own with the ontology."""
    names, paths = zip(*_fixture_paths().items(), strict=True)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(names, pool.map(validate_files, [[p] for p in paths]), strict=True))


SUFFIX = re.compile(r"--f([0-9]{3})(?![0-9])")


@dataclasses.dataclass
class _Batch:
    members: list[str]
    shared_claims: frozenset  # what every member says about terms of the ontology or the shapes: the same
    claims: dict  # each IRI of no one's (a gene, a unit) that a member mentions -> what is said about it


def _batches(fixtures: dict[str, Graph], shared: set) -> list[list[str]]:
    """Fixtures in groups that cannot change each other's answers. Fixtures that say something about a term of
    the ontology or the shapes are grouped only with fixtures that say exactly the same (a statement about an
    ontology term reaches through the ontology to nodes that do not mention it). An IRI that is neither
    theirs nor shared (an external gene a fixture types) may be mentioned by several members of a group only
    where each says the same about it."""
    batches: list[_Batch] = []
    for name, g in fixtures.items():
        shared_claims = frozenset(t for t in g if t[0] in shared)
        claims = {n: frozenset(g.triples((n, None, None))) for n in g.all_nodes()
                  if isinstance(n, URIRef) and n not in shared and not _own(n, shared)}
        for batch in batches:
            if batch.shared_claims == shared_claims and all(
                    batch.claims.get(n, said) == said for n, said in claims.items()):
                batch.members.append(name)
                batch.claims |= claims
                break
        else:
            batches.append(_Batch([name], shared_claims, dict(claims)))
    return [b.members for b in batches]


def _shared(ontology: Graph | None = None) -> set:
    """The nodes every fixture may mention without being about them: the ontology's and the shapes'."""
    ontology = ontology if ontology is not None else load_store(tbox_files()).to_graph()
    return set(ontology.all_nodes()) | set(load_shapes().all_nodes())


def _own(node, shared: set) -> bool:
    return isinstance(node, URIRef) and node not in shared and str(node).startswith(str(MSCEXO))


def _unrenamed(result: ValidationResult) -> ValidationResult:
    def back(x):
        return type(x)(SUFFIX.sub("", x)) if isinstance(x, URIRef) or type(x) is str else x

    terms = result.terms._replace(**{f: back(getattr(result.terms, f)) for f in result.terms._fields})
    fields = {f.name: back(getattr(result, f.name)) for f in dataclasses.fields(result) if f.name != "terms"}
    return ValidationResult(**fields, terms=terms)


def _oracle_batch(names: list[str]) -> dict:
    """pyshacl once over a group of fixtures, each fixture's own IRIs renamed (``mscexo:prep-t1--f007``) so that
    no two fixtures describe one node; each result goes back, named as written, to the fixture of its focus."""
    paths = _fixture_paths()
    ontology = load_store(tbox_files()).to_graph()
    shared = _shared(ontology)
    data, owners = Graph(), defaultdict(list)
    for k, name in enumerate(names):
        g = load_store([paths[name]]).to_graph()  # blank nodes stay distinct per file
        rename = {n: URIRef(f"{n}--f{k:03d}") for n in g.all_nodes() if _own(n, shared)}
        for triple in g:
            data.add(tuple(rename.get(t, t) for t in triple))
        for n in g.all_nodes():
            if not isinstance(n, Literal):
                owners[rename.get(n, n)].append(name)
    merged = validate_graph(data, ontology, fast=False)
    out = {n: ValidationReport(results=[]) for n in names}
    for renamed in merged.results:
        r = _unrenamed(renamed)
        if r.constraint == "mscexosh:SpanIriRule" and r.terms.focus == r.terms.value:
            continue  # a span IRI is checked against its offsets: renamed, a right one looked wrong
        # A node no member renames (an external gene) is every mentioning member's: each says the same of it.
        for n in owners.get(renamed.terms.focus) or names:
            if {int(k) for k in SUFFIX.findall(repr(renamed))} - {names.index(n)}:
                continue  # the result names a node of another fixture (a reference number two fixtures use)
            out[n].results.append(r)
    return out


@pytest.fixture(scope="module")
def reference_reports(reports):
    """pyshacl with every shape, the oracle for the fast path: run once per group of fixtures (:func:`_oracle_batch`),
    not once per fixture. A fixture whose answer differs from the fast path's is validated again on its own,
    so a difference reported is pyshacl's own answer for that file alone."""
    fixtures = {n: parse_turtle(p) for n, p in _fixture_paths().items()}
    batches = _batches(fixtures, _shared())
    # One pyshacl run per group, largest first: each run costs about 1.4 s of CPU before it reads a fixture
    # (its RDFS closure of the ontology), so splitting a group to keep both cores busy cost more CPU than
    # it saved time: the small groups fill the other core while the largest runs.
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        out = {n: r for batch in pool.map(_oracle_batch, sorted(batches, key=len, reverse=True))
               for n, r in batch.items()}
    for name, report in out.items():
        if set(report.results) != set(reports[name].results) or as_terms(report) != as_terms(reports[name]):
            out[name] = validate_files([_fixture_paths()[name]], fast=False)
    return out


def as_terms(report) -> set[tuple]:
    """A report's results as RDF terms (values whole, literals with their datatype and language), not as the
    rendered text the report prints (which cuts values at 60 characters); paths and blank-node shapes as
    rendered, since each engine names its own blank nodes."""
    return {(t.focus, r.path, t.value, t.shape if isinstance(t.shape, URIRef) else r.shape, t.component,
             t.severity, r.message) for r in report.results for t in [r.terms]}


def test_fast_path_gives_pyshacls_results_on_every_fixture(reports, reference_reports):
    differ = [name for name, ref in reference_reports.items() if set(ref.results) != set(reports[name].results)]
    assert differ == []
    by_terms = [name for name, ref in reference_reports.items() if as_terms(ref) != as_terms(reports[name])]
    assert by_terms == []


#: Fixtures where grouping could go wrong: spans named after their offsets, a reference number carried twice,
#: an external term a fixture describes, a finding citing a work no file declares, and external genes that
#: another member of the group types alike.
GROUPING_PROBES = ("invalid/span-misnamed.ttl", "invalid/work-number-duplicate.ttl",
                   "invalid/external-term-two-glosses.ttl", "invalid/finding-cites-undeclared-work.ttl",
                   "invalid/span-length-mismatch.ttl", "invalid/misev-storage.ttl")


def test_the_grouped_oracle_answers_what_pyshacl_answers_for_each_file_alone():
    """The grouping of :func:`reference_reports` changes nothing: each probe, validated inside a group of
    fixtures that all describe ``mscexo:prep-t1``, ``mscexo:span-10-19`` and reference 98, and two of which
    (misev-storage, misev-complete) type the same external genes alike, gets what pyshacl gives for that
    file alone."""
    names = [n for n in _fixture_paths() if n.startswith("invalid/span") or n.startswith("invalid/work")]
    group = list(dict.fromkeys([*GROUPING_PROBES[:2], *names, *GROUPING_PROBES[2:], "misev-complete.ttl"]))
    grouped = _oracle_batch(group)
    for name in GROUPING_PROBES:
        alone = validate_files([_fixture_paths()[name]], fast=False)
        assert set(grouped[name].results) == set(alone.results), name
        assert as_terms(grouped[name]) == as_terms(alone), name
        assert alone.results, f"{name}: a probe must have results"


def test_fixtures_share_a_pyshacl_run_only_where_none_can_change_anothers_answer():
    """:func:`_batches` groups fixtures that say the same of each external IRI they both mention, and keeps a
    fixture that says something of an ontology term apart from every fixture that does not say the same."""
    paths = _fixture_paths()
    fixtures = {n: parse_turtle(paths[n]) for n in ("misev-complete.ttl", "invalid/misev-storage.ttl",
                                                    "invalid/external-term-two-glosses.ttl",
                                                    "external-term-with-gloss.ttl")}
    gene, finding = URIRef("https://identifiers.org/hgnc:1692"), MSCEXO.Finding
    assert gene not in _shared() and finding in _shared()
    fixtures["labelled-gene"] = parse_turtle(paths["invalid/misev-storage.ttl"])
    fixtures["labelled-gene"].add((gene, RDFS.label, Literal("CD63", lang="en")))
    fixtures["noted-class"] = parse_turtle(paths["invalid/misev-storage.ttl"])
    fixtures["noted-class"].add((finding, RDFS.comment, Literal("a note", lang="en")))
    assert _batches(fixtures, _shared()) == [
        # Both type hgnc:1692 (and two more genes) alike; two-glosses alone mentions obo:CL_0000214 here.
        ["misev-complete.ttl", "invalid/misev-storage.ttl", "invalid/external-term-two-glosses.ttl"],
        # with-gloss says something else of obo:CL_0000214; labelled-gene says more of hgnc:1692.
        ["external-term-with-gloss.ttl", "labelled-gene"],
        ["noted-class"],  # says something of an ontology term that no other fixture says
    ]


def test_fast_path_gives_pyshacls_results_on_the_project(project_report):
    reference = validate_files(fast=False)
    assert set(reference.results) == set(project_report.results)
    assert as_terms(reference) == as_terms(project_report)


def test_validation_leaves_the_store_as_it_found_it():
    """The RDFS closure the shapes need goes into a named graph while they run and out again after, so the
    stored queries that `check` runs next read the store as loaded. The closure used to stay (1.08 M more
    quads at x1000, and the memory the queries then added to)."""
    from exo_onto.paths import ontology_files
    from exo_onto.shacl.validate import validate_store

    loaded = load_store(ontology_files())
    before = set(loaded.store)
    assert validate_store(loaded).conforms
    assert set(loaded.store) == before and list(loaded.store.named_graphs()) == []


def test_every_project_shape_runs_as_sparql(shapes):
    """The fast path really is fast: no shape of the project falls back to pyshacl."""
    from exo_onto.shacl.compile import compile_shapes

    compiled = compile_shapes(shapes)
    assert compiled.left_to_pyshacl == []
    assert len(compiled.core) > 100 and len(compiled.sparql) >= 15


def test_a_shape_the_compiler_cannot_translate_goes_to_pyshacl(shapes):
    """sh:datatype xsd:integer inside sh:or is not compiled: that shape goes to pyshacl, the rest runs on
    Oxigraph, and the answers are the same."""
    from exo_onto.shacl.compile import compile_shapes

    extra = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix mscexo: <https://w3id.org/exo-onto/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <urn:test:OrShape> a sh:NodeShape ; sh:targetClass mscexo:ReviewSection ;
            sh:property [ sh:path mscexo:sectionNumber ; sh:message "integer or decimal"@en ;
                          sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:decimal ] ) ] .""")
    mixed = shapes + extra
    compiled = compile_shapes(mixed)
    assert [str(s) for s in compiled.left_to_pyshacl] == ["urn:test:OrShape"]
    [entry] = [e for e in compiled.plan if not e.compiled]
    assert entry.component == SH.OrConstraintComponent and "nested sh:datatype" in entry.reason
    data = load_graph()
    fast, reference = validate_graph(data, shapes=mixed), validate_graph(data, shapes=mixed, fast=False)
    assert set(fast.results) == set(reference.results)
    assert any(r.message == "integer or decimal" for r in fast.results)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def project_report():
    return validate_files()


def test_manifest_and_files_agree():
    assert INVALID_FILES and sorted(EXPECTED) == INVALID_FILES


@pytest.mark.parametrize("name", INVALID_FILES)
def test_invalid_fixture_is_rejected_by_exactly_its_shape(reports, name):
    expected = EXPECTED[name]
    worst = max(RANK[sev] for _, _, sev, _ in expected)
    got = {(r.shape, r.path or "-", r.severity, r.constraint) for r in reports[f"invalid/{name}"].results
           if RANK[r.severity] <= worst}
    assert got == expected


@pytest.mark.parametrize("name", VALID_FILES)
def test_valid_fixture_has_no_violation(reports, name):
    report = reports[name]
    assert report.conforms, report.to_text("Violation")


def test_a_preparation_reporting_every_misev_item_has_no_warning(reports):
    assert reports["misev-complete.ttl"].results == []


def declared_constraints(g: Graph) -> set[tuple[str, str]]:
    """(shape, constraint) for every constraint of a targeted node shape and of its property shapes.

    Shapes used only inside another (through sh:node, sh:or, sh:qualifiedValueShape) report through
    the shape that uses them, so they are covered by that shape's constraint.
    """
    top = {s for s in g.subjects(RDF.type, SH.NodeShape) if any((s, t, None) in g for t in TARGETS)}
    out = set()
    for shape in top | {p for s in top for p in g.objects(s, SH.property)}:
        out |= {(shorten(str(shape)), c) for param, c in COMPONENTS.items() if (shape, param, None) in g}
        out |= {(shorten(str(shape)), shorten(str(rule))) for rule in g.objects(shape, SH.sparql)}
    return out


def test_every_constraint_is_exercised_by_an_invalid_fixture(shapes):
    declared = declared_constraints(shapes)
    exercised = {(shape, constraint) for rows in EXPECTED.values() for shape, _, _, constraint in rows}
    assert len(declared) > 140
    assert sorted(declared - exercised) == [], "constraints no invalid fixture triggers"
    assert sorted(exercised - declared) == [], "manifest names constraints the shapes do not have"


def test_every_shape_has_an_iri_and_every_constraint_a_message_and_a_severity(shapes):
    kinds = {SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint, SH.SPARQLTarget}
    nodes = {s for k in kinds for s in shapes.subjects(RDF.type, k)}
    assert not [n for n in nodes if isinstance(n, BNode)], "blank-node shapes"
    assert not [s for s in shapes.subjects(SH.path, None) if isinstance(s, BNode)], "untyped blank shapes"
    constrained = {n for n in nodes if any((n, p, None) in shapes for p in [*COMPONENTS, SH.sparql])}
    assert len(constrained) > 90
    for node in constrained:
        # pyshacl does not carry a node shape's severity to its property shapes: each states its own.
        assert (node, SH.severity, None) in shapes, f"{node} has no sh:severity"
        rules = list(shapes.objects(node, SH.sparql))
        messages = list(shapes.objects(node, SH.message)) + [m for r in rules for m in shapes.objects(r, SH.message)]
        assert messages and (rules == [] or all((r, SH.message, None) in shapes for r in rules)), node
        for msg in messages:
            assert msg.language == "en" and len(str(msg).split()) >= 6, msg


def test_misev_shapes_are_warnings_and_everything_else_is_not(shapes):
    for prop_shape in shapes.objects(MSCEXOSH.MisevShape, SH.property):
        assert shapes.value(prop_shape, SH.severity) == SH.Warning
    for shape, severity in shapes.subject_objects(SH.severity):
        if severity == SH.Warning:
            name = shorten(str(shape))
            assert name.startswith("mscexosh:Misev") or name in {"mscexosh:SpanIriShape",
                                                                 "mscexosh:SourceCellsUsedShape"}, name


@pytest.mark.parametrize("path", sorted(shapes_dir().glob("*.ttl")), ids=lambda p: p.name)
def test_shapes_are_canonical_turtle(path):
    text = path.read_text(encoding="utf-8")
    assert text == canonical_turtle(parse_turtle(path)), f"run: exo-onto fmt {path}"
    assert "ns1:" not in text


def test_the_project_graph_conforms_with_only_misev_warnings(project_report):
    assert project_report.violations == [], project_report.to_text("Violation")
    warned = {r.shape for r in project_report.warnings}
    assert warned and all(s.startswith("mscexosh:Misev") for s in warned), warned
    preps = {r.focus for r in project_report.warnings}
    # The review reports none of the nine MISEV items for any preparation.
    assert len(project_report.warnings) == 9 * len(preps) and len(preps) >= 15


def test_the_tbox_declares_the_misev_properties(tbox):
    for local in MISEV_PROPERTIES:
        term = MSCEXO[local]
        assert tbox.value(term, RDF.type) is not None, local
        assert sorted(lab.language for lab in tbox.objects(term, RDFS.label)) == ["en", "zh"]
        assert tbox.value(term, DEFINITION) is not None
        assert tbox.value(term, RDFS.domain) == OBO.GO_1903561


def test_subclass_members_count_for_sh_class(reports):
    # Cells typed with a defined class (synovial MSC = CL:0000134 and part of synovium) satisfy
    # sh:class CL:0000034 through the told superclass; bone-marrow MSCs through rdfs:subClassOf.
    assert reports["prep-from-synovial-msc.ttl"].conforms
    assert reports["finding-complete.ttl"].conforms


def test_report_names_node_label_field_value_and_reason(reports):
    report = reports["invalid/finding-direction-made-up.ttl"]
    [result] = report.violations
    assert result.focus == "mscexo:finding-t1"
    assert result.label == "Test exosomes increase collagen II expression in chondrocytes"
    assert (result.path, result.value) == ("mscexo:direction", "mscexo:Sideways")
    assert "Increased" in result.message and "Decreased" in result.message
    text = report.to_text()
    assert 'mscexo:finding-t1  "Test exosomes increase collagen II expression in chondrocytes"' in text
    assert "  Violation  mscexo:direction = mscexo:Sideways: A finding states at most one direction" in text
    assert "verdict: does NOT conform" in text
    as_dict = report.to_dict()
    assert as_dict["conforms"] is False and as_dict["violations"] == 1
    assert as_dict["results"][0]["focus_iri"] == str(MSCEXO["finding-t1"])


def test_messages_name_the_offending_value_in_short_form(reports):
    [result] = reports["invalid/id-hgnc-symbol.ttl"].violations
    assert (result.focus, result.path, result.value) == ("mscexo:finding-t1", "biolink:object", "hgnc:COL2A1")
    assert result.message.startswith("hgnc:COL2A1 is not an HGNC gene IRI")


def test_validate_step_passes_on_the_project_and_fails_on_a_broken_copy():
    graph = load_graph()
    step = validate_step(graph)
    assert isinstance(step, StepResult) and step.ok and step.name == "validate (SHACL)"
    assert "0 violation(s)" in step.summary and "warning(s)" in step.summary
    finding = MSCEXO["finding-1.2-07"]
    graph.remove((finding, MSCEXO.direction, None))
    graph.add((finding, MSCEXO.direction, MSCEXO.Sideways))
    step = validate_step(graph)
    assert not step.ok and "1 violation(s)" in step.summary
    assert any(line.startswith("mscexo:finding-1.2-07 mscexo:direction:") for line in step.details), step.details


def test_validate_graph_takes_an_ontology_graph():
    data = parse_turtle(VALID / "prep-from-synovial-msc.ttl")
    data.add((MSCEXO["prep-t1"], RDF.type, OBO.GO_1903561))
    with_tbox = validate_graph(data, load_ontology())
    without_tbox = validate_graph(data)
    # Without the TBox nothing says that a synovial MSC is a stem cell.
    assert with_tbox.conforms
    assert [(r.shape, r.path) for r in without_tbox.violations] == [("mscexosh:PrepDerivesFromShape", "RO:0001000")]


def _random_findings(seed: int) -> tuple[Graph, dict[URIRef, tuple]]:
    """Findings drawn from a few subjects, objects, directions and context keys, some linked as conflicts."""
    import random

    rng = random.Random(seed)
    graph, keys = Graph(), {}
    bl = "https://w3id.org/biolink/vocab/"
    for i in range(rng.randint(4, 30)):
        f = URIRef(f"https://example.org/f{i}")
        graph.add((f, RDF.type, MSCEXO.Finding))
        key = (rng.choice("ST"), rng.choice("OP"), rng.choice([None, "Increased", "Decreased", "NoChange"]),
               rng.choice([None, "C1", "C2"]), rng.choice([None, "A1"]), rng.choice([None, "X1"]))
        s, o, d, c, a, x = key
        graph.add((f, URIRef(bl + "subject"), URIRef(f"https://example.org/{s}")))
        graph.add((f, URIRef(bl + "object"), URIRef(f"https://example.org/{o}")))
        for prop, value in (("direction", d), ("hasContext", c), ("anatomicalContext", a), ("objectAspect", x)):
            if value is not None:
                graph.add((f, MSCEXO[prop], MSCEXO[value] if prop == "direction" else URIRef(f"https://example.org/{value}")))
        keys[f] = key
    for f in list(keys):
        if rng.random() < 0.2:
            graph.add((f, MSCEXO.conflictsWith, rng.choice(list(keys))))
    return graph, keys


@pytest.mark.parametrize("seed", range(40))
def test_the_conflict_candidates_hold_every_finding_the_rule_flags(shapes, seed):
    """The target of FindingDirectionConflictShape groups findings instead of pairing them (the pairing grew
    with the square of the findings sharing a subject and object). It must still select every finding the
    rule flags, and only findings with an opposite-direction twin; on Oxigraph and on rdflib (pyshacl's)."""
    import pyoxigraph as ox

    graph, keys = _random_findings(seed)
    target = shapes.value(MSCEXOSH.FindingDirectionConflictCandidates, SH.select)
    opposite = {"Increased": "Decreased", "Decreased": "Increased"}

    def twins(f):
        s, o, d, *ctx = keys[f]
        return [g for g, (s2, o2, d2, *ctx2) in keys.items()
                if g != f and d in opposite and d2 == opposite[d] and (s2, o2, ctx2) == (s, o, ctx)]

    flagged = {f for f in keys for g in twins(f) if (f, MSCEXO.conflictsWith, g) not in graph
               and (g, MSCEXO.conflictsWith, f) not in graph}
    paired = {f for f in keys if twins(f)}
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    on_oxigraph = {URIRef(r["this"].value) for r in store.query(str(target))}
    on_rdflib = {r[0] for r in graph.query(str(target))}
    assert on_oxigraph == on_rdflib
    assert flagged <= on_oxigraph <= paired
