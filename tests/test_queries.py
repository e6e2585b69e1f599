"""The stored competency questions: headers, expected answers (written from the source), two engines, binding."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from exo_onto.pipeline.check import queries_step
from exo_onto.query.results import cell, compare_expected, expected_path, same_answer
from exo_onto.query.stored import (
    QueryError,
    embedded_store,
    list_queries,
    load_query,
    parse_header,
    resolve_bindings,
    run_embedded,
    run_rdflib,
    with_values,
)
from exo_onto.terms.namespaces import MSCEXO

QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]
SELECTS = [q.name for q in QUERIES if q.form == "SELECT"]
#: label-lookup answers with a term's labels in both languages (?label_en, ?label_zh): they are its answer.
BOTH_LANGUAGES = {"label-lookup"}


@pytest.fixture(scope="module")
def store():
    return embedded_store()


def rows(result, *columns: str) -> set[tuple[str, ...]]:
    """The answer's rows as shown (CURIEs), all columns or the ones named."""
    idx = [result.columns.index(c) for c in columns] if columns else range(len(result.columns))
    return {tuple(cell(r[i]) for i in idx) for r in result.rows}


def run(name: str, store, **params: str):
    q = load_query(name)
    return run_embedded(q, resolve_bindings(q, params), store)


def test_at_least_twenty_questions_of_every_form():
    assert len(QUERIES) >= 20
    forms = {q.form for q in QUERIES}
    assert {"SELECT", "CONSTRUCT", "ASK"} <= forms


@pytest.mark.parametrize("name", NAMES)
def test_header_states_question_parameters_and_columns(name):
    q = load_query(name)
    assert q.question_en.endswith("?") and len(q.question_en) > 20, q.question_en
    assert q.question_zh.endswith("？") and any("\u4e00" <= ch <= "\u9fff" for ch in q.question_zh)
    assert q.columns, "the header must say what the query returns (# Returns: ...)"
    for p in q.params:
        assert p.default is not None and p.description, p  # every stored parameter has a default
    assert expected_path(q) is not None, f"queries/expected/{name}.csv|.ttl|.txt is missing"


@pytest.mark.parametrize("name", NAMES)
def test_text_is_plain_sparql_11(name):
    """rdflib's parser knows only the SPARQL 1.1 grammar: an engine extension would not parse."""
    q = load_query(name)
    prepareQuery(q.text)
    body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
    assert "SERVICE" not in body.upper()
    assert "*" not in body, "no unbounded property paths (some engines mis-evaluate them with GROUP BY)"


@pytest.mark.parametrize("name", NAMES)
def test_answers_as_expected_embedded(name, store):
    q = load_query(name)
    result = run_embedded(q, resolve_bindings(q), store)
    if result.kind == "select":
        assert result.columns == q.columns, "the header's Returns: line names the columns in order"
    else:
        assert q.columns[0].split()[0].rstrip(":") == {"ask": "boolean", "graph": "graph"}[result.kind]
    assert compare_expected(q, result) == []


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_gives_the_same_answer(name, store, graph):
    """A second engine (rdflib, which gets the exact text a remote endpoint would) agrees."""
    q = load_query(name)
    b = resolve_bindings(q)
    assert same_answer(run_embedded(q, b, store), run_rdflib(q, graph, b)) == []


def test_the_one_command_question(store):
    # The genes the review names for exosomal miRNAs: WNT5A [25] and RalA [28] (targets), mTOR [30]
    # (inhibited, 可能) and PTEN [32] (named in the PTEN/AKT pathway, no direction).
    result = run("mirna-targets", store)
    assert rows(result, "source", "ref", "mirna", "mirna_label", "target", "target_label", "relation",
                "direction") == {
        ("CL:0002540", "25", "mirbase.mature:MIMAT0000092", "hsa-miR-92a-3p", "hgnc:12784", "WNT5A", "RO:0002436",
         "mscexo:Decreased"),
        ("mscexo:SynovialMSC", "28", "mirbase.mature:MIMAT0000431", "hsa-miR-140-5p", "hgnc:9839", "RALA", "RO:0002436",
         "mscexo:Decreased"),
        ("mscexo:InfrapatellarFatPadMSC", "30", "mirbase.mature:MIMAT0000098", "hsa-miR-100-5p", "hgnc:3942", "MTOR",
         "mscexo:affects", "mscexo:Decreased"),
        ("CL:0002569", "32", "mirbase.mature:MIMAT0000078", "hsa-miR-23a-3p", "hgnc:9588", "PTEN", "RO:0002211", ""),
    }


def test_a_question_about_yap_returns_the_chain_of_28(store):
    # 1.4 [28]: Wnt5a/Wnt5b carried by SMSC exosomes -> alternative Wnt signalling -> YAP -> proliferation, migration.
    result = run("gene-chain", store)
    edges = {(hop, s, o) for hop, s, o, ref in rows(result, "hop", "subject", "object", "ref") if ref == "28"}
    assert {("-2", "hgnc:12784", "GO:0035567"), ("-1", "GO:0035567", "hgnc:16262"),
            ("1", "hgnc:16262", "GO:0035988"), ("1", "hgnc:16262", "GO:0016477")} <= edges



def _chain(graph: Graph, gene: URIRef) -> set[tuple[int, URIRef, URIRef]]:
    """(hop, subject, object) of gene-chain for ``gene``, read from the graph's triples as the header defines the
    hops: -1 findings with ``gene`` as an object, 1 with it as a subject, -2 and -3 findings whose object is the
    subject of a finding one step below."""
    b = "https://w3id.org/biolink/vocab/"
    subject, obj = URIRef(b + "subject"), URIRef(b + "object")
    findings = set(graph.subjects(RDF.type, MSCEXO.Finding))

    def edges(f):
        return {(s, o) for s in graph.objects(f, subject) for o in graph.objects(f, obj)}

    def upstream(nodes):
        return {s for f in findings for s in graph.objects(f, subject) if set(graph.objects(f, obj)) & nodes}

    out = {(-1, s, o) for f in findings if (f, obj, gene) in graph for s, o in edges(f)}
    out |= {(1, s, o) for f in findings if (f, subject, gene) in graph for s, o in edges(f)}
    above = {gene}
    for hop in (-2, -3):
        above = upstream(above)
        out |= {(hop, s, o) for f in findings for s, o in edges(f) if o in above}
    return out


def test_gene_chain_for_every_gene_is_the_chain_the_triples_give(store, graph):
    """Every hgnc gene the findings name, not only the default: the hops are joined where ?gene is bound."""
    q = load_query("gene-chain")
    genes = sorted({o for o in graph.objects(None, URIRef("https://w3id.org/biolink/vocab/object"))
                    if str(o).startswith("https://identifiers.org/hgnc:")})
    assert len(genes) >= 10
    for gene in genes:
        result = run_embedded(q, resolve_bindings(q, {"gene": str(gene)}), store)
        hop, s, o = (result.columns.index(c) for c in ("hop", "subject", "object"))
        got = {(int(r[hop]), r[s], r[o]) for r in result.rows}
        assert got == _chain(graph, gene), gene


def label_in(graph: Graph, term: URIRef, lang: str) -> Literal | None:
    """The term's rdfs:label in ``lang``, else its English one, read from the graph's triples (not SPARQL)."""
    for wanted in (lang, "en"):
        found = [lab for lab in graph.objects(term, RDFS.label) if getattr(lab, "language", None) == wanted]
        if found:
            assert len(found) == 1, (term, found)
            return found[0]
    return None


@pytest.mark.parametrize("name", SELECTS)
def test_every_iri_column_has_a_label_column_in_the_chosen_language(name, store, graph):
    """Each IRI column ?x is followed by ?x_label: the term's label in --lang, else in English."""
    q = load_query(name)
    answers = {lang: run_embedded(q, resolve_bindings(q, lang=lang), store) for lang in ("en", "zh")}
    iri_columns = [c for i, c in enumerate(answers["en"].columns)
                   if any(isinstance(r[i], URIRef) for r in answers["en"].rows)]
    if name in BOTH_LANGUAGES:
        assert {"label_en", "label_zh"} <= set(q.columns) and q.param("lang") is None
        return
    assert q.param("lang") is not None or not iri_columns, "a query with IRI columns takes ?lang"
    for lang, result in answers.items():
        for col in iri_columns:
            i = result.columns.index(col)
            assert result.columns[i + 1] == f"{col}_label", f"?{col} is not followed by ?{col}_label"
            for r in result.rows:
                want = label_in(graph, r[i], lang) if r[i] is not None else None
                assert r[i + 1] == want, (lang, col, cell(r[i]), r[i + 1], want)
    if iri_columns:  # every term has a Chinese label: --lang zh changes the answer
        assert rows(answers["en"]) != rows(answers["zh"])


def test_lang_parameter_switches_labels_to_chinese(store):
    q = load_query("storage-conditions")
    result = run_embedded(q, resolve_bindings(q, lang="zh"), store)
    assert rows(result, "condition_label", "subject_label") == {("短期保存（4℃）", "外泌体"),
                                                                ("长期保存（-80℃）", "外泌体")}
    assert {r[result.columns.index("condition_label")].language for r in result.rows} == {"zh"}


@pytest.mark.parametrize("engine", ["embedded", "rdflib"])
def test_a_term_without_a_label_in_the_language_shows_its_english_one(engine, graph):
    """WNT5A without its Chinese label: with --lang zh the answer shows the English label, not nothing."""
    wnt5a = URIRef("https://identifiers.org/hgnc:12784")
    changed = Graph()
    for t in graph:
        if not (t[0] == wnt5a and t[1] == RDFS.label and getattr(t[2], "language", None) == "zh"):
            changed.add(t)
    assert len(changed) == len(graph) - 1
    q = load_query("mirna-targets")
    b = resolve_bindings(q, lang="zh")
    result = run_embedded(q, b, embedded_store(graph=changed)) if engine == "embedded" else run_rdflib(q, changed, b)
    labels = rows(result, "target", "target_label")
    assert ("hgnc:12784", "WNT5A") in labels
    assert [r[result.columns.index("target_label")].language for r in result.rows
            if r[result.columns.index("target")] == wnt5a] == ["en"]
    others = {r[result.columns.index("target_label")].language for r in result.rows
              if r[result.columns.index("target")] != wnt5a}
    assert others == {"zh"} and ("hgnc:9839", "RalA") in labels  # the others keep their Chinese label


def test_finding_provenance_gives_the_english_rendering(store, graph):
    result = run("finding-provenance", store)
    [row] = result.rows
    english = row[result.columns.index("english")]
    span = URIRef("https://w3id.org/exo-onto/span-3066-3132")  # the span of finding-1.2-26 (WNT5A, [25])
    assert english == graph.value(span, MSCEXO.englishRendering)
    assert english.language == "en" and "directly targeting WNT5A" in str(english)


def test_marker_parameter_mmp13(store):
    # 1.2 [24]: exosomes and microparticles suppress MMP-13 in OA-like chondrocytes (in vitro);
    # 1.3: 可以推测 … AD-MSC-Exo 降低 MMP-13 的表达 (the review's inference after [27]).
    columns = ("ref", "section", "source", "vesicle", "direction", "evidence", "design")
    want = {
        ("24", "1.2", "CL:0002540", "mscexo:prep-24-bmsc-exo", "mscexo:Decreased", "ECO:0000304", "OBI:0001285"),
        ("24", "1.2", "CL:0002540", "mscexo:prep-24-bmsc-mp", "mscexo:Decreased", "ECO:0000304", "OBI:0001285"),
        ("27", "1.3", "", "mscexo:ADMSCExosome", "mscexo:Decreased", "ECO:0006185", ""),
    }
    # The CURIE as answers print it, and as the mapping tables (ontology/reference/xrefs.tsv) write it.
    for marker in ("hgnc:7159", "HGNC:7159"):
        assert rows(run("marker-across-studies", store, marker=marker), *columns) == want


@pytest.mark.parametrize("source, answer", [
    ("mscexo:SynovialMSC", True),     # 1.4: rat model [28], chronic OA rats [29]
    ("CL:0002569", True),             # 2.2: Gel-nano with hUC-MSC sEV in rats [32]
    ("CL:0002570", False),            # 1.3: AD-MSC exosome results, no animal experiment stated
    ("EFO:0004905", False),           # 3: iPS-cell exosomes compared [29], no design stated
])
def test_ask_with_other_sources(source, answer, store):
    assert run("has-in-vivo-evidence", store, source=source).boolean is answer


def test_label_lookup_english_is_case_insensitive(store):
    result = run("label-lookup", store, label="Synovial Mesenchymal Stem Cell")
    assert rows(result) == {("mscexo:SynovialMSC", "synovial mesenchymal stem cell", "滑膜间充质干细胞")}


def test_study_subgraph_for_another_reference(store, graph):
    # 1.2 [25]: BMSC-Exo carry miR-92a-3p, which targets WNT5A, regulates cartilage development and
    # homeostasis, can act as a Wnt inhibitor and may be a disease-modifying OA drug: six findings.
    result = run("study-subgraph", store, ref="25")
    assert result.kind == "graph"
    subjects = {cell(o) for o in result.graph.objects(None, URIRef("https://w3id.org/biolink/vocab/subject"))}
    assert subjects == {"mscexo:prep-25-bmsc-exo", "mirbase.mature:MIMAT0000092"}
    findings = set(result.graph.subjects(RDF.type, MSCEXO.Finding))
    assert len(findings) == 6
    # Each finding keeps its IRI: the very findings of the graph that cite [25].
    citing = set(graph.subjects(URIRef("http://purl.org/spar/cito/citesAsEvidence"), MSCEXO["ref-25"]))
    assert all(isinstance(f, URIRef) for f in findings) and findings == citing


INJECTION = '"} ; DROP ALL ; #'


def test_a_hostile_value_is_bound_as_one_literal(store):
    before = len(store)
    q = load_query("label-lookup")
    bindings = resolve_bindings(q, {"label": INJECTION})
    assert bindings == {"label": Literal(INJECTION)}
    text = with_values(q.text, bindings)
    assert 'VALUES (?label) { ("\\"} ; DROP ALL ; #") }' in text
    result = run_embedded(q, bindings, store)
    assert result.kind == "select" and result.rows == []
    assert len(store) == before
    # The same text parses as one SELECT in another engine: the value never became syntax.
    assert prepareQuery(text).algebra.name == "SelectQuery"


def test_a_hostile_iri_is_refused():
    q = load_query("exosome-effects-by-source")
    with pytest.raises(QueryError, match="not a valid IRI"):
        resolve_bindings(q, {"source": "<http://x> } DROP ALL { <y>"})


def test_values_go_into_the_where_group_not_the_construct_template():
    q = load_query("study-subgraph")
    text = with_values(q.text, {"ref": Literal(30)})
    template, where = text.split("WHERE", 1)
    assert "VALUES" not in template
    assert where.lstrip().startswith("{ VALUES (?ref) {")


def test_header_parsing_of_a_required_parameter(tmp_path):
    text = ("# Question (en): What?\n# Question (zh): 什么？\n# Parameters:\n"
            "#   ?thing (iri, required): the thing\n#   ?n (integer, default 3): a number\n"
            "# Returns: ?p, ?o\nSELECT ?p ?o WHERE { ?thing ?p ?o }\n")
    q = parse_header(text, "t", tmp_path / "t.rq")
    assert [(p.name, p.kind, p.default, p.required) for p in q.params] == [
        ("thing", "iri", None, True), ("n", "integer", "3", False)]
    assert q.columns == ("p", "o")
    with pytest.raises(QueryError, match="missing parameter 'thing'"):
        resolve_bindings(q)
    assert resolve_bindings(q, {"thing": "CL:0000134"})["n"] == Literal(3)


def test_queries_step_passes_on_the_project(graph):
    step = queries_step(graph=graph)
    assert step.ok, step.details
    assert step.name == "queries" and f"{len(QUERIES)} of {len(QUERIES)}" in step.summary


def test_queries_step_names_the_query_whose_answer_changed(graph):
    broken = Graph()
    for t in graph:
        broken.add(t)
    # Drop the miR-140-5p -> RalA finding's object: mirna-targets loses a row.
    for f in list(broken.subjects(URIRef("https://w3id.org/biolink/vocab/object"),
                                  URIRef("https://identifiers.org/hgnc:9839"))):
        broken.remove((f, None, None))
    step = queries_step(graph=broken)
    assert not step.ok
    assert any(d.startswith("mirna-targets: missing row") and "hgnc:9839" in d for d in step.details)


MISEV_CHECKED = {"separationMethod", "quantificationMethod", "singleVesicleMethod", "transmembraneMarker",
                 "cytosolicMarker", "negativeMarker", "doseValue", "storedUnder", "sourceAmount"}


def test_misev_gaps_checks_every_misev_property_the_ontology_declares(tbox):
    """Coordination with the MISEV properties of the TBox: each one is a column of misev-gaps.rq."""
    text = load_query("misev-gaps").text
    declared = {str(p)[len(str(MSCEXO)):] for p, note in tbox.subject_objects(URIRef(
        "http://www.w3.org/2004/02/skos/core#editorialNote")) if "MISEV" in str(note)
        and str(p).startswith(str(MSCEXO)) and str(p)[len(str(MSCEXO)):][:1].islower()}
    assert declared - {"doseUnit"} <= MISEV_CHECKED  # doseUnit always goes with doseValue
    for name in MISEV_CHECKED:
        assert f"mscexo:{name} " in text


def test_misev_gaps_runs_without_the_misev_properties(graph, store):
    """The items are OPTIONAL patterns: on an ontology that does not declare them, the answer is the same."""
    q = load_query("misev-gaps")
    stripped = Graph()
    for t in graph:
        if not (isinstance(t[0], URIRef) and str(t[0])[len(str(MSCEXO)):] in MISEV_CHECKED | {"doseUnit"}):
            stripped.add(t)
    # The TBox declares the MISEV properties, so stripping their declarations must remove triples.
    assert all(MSCEXO[n] in set(graph.subjects()) for n in MISEV_CHECKED)
    assert len(stripped) < len(graph)
    assert same_answer(run_embedded(q, {}, store), run_embedded(q, {}, embedded_store(graph=stripped))) == []


def test_run_query_is_the_library_form_of_the_query_command():
    """``exo_onto.run_query`` (what the README offers a notebook) loads, binds and runs a stored query."""
    from exo_onto import run_query
    from exo_onto.query.results import read_expected_rows

    result = run_query("mirna-targets")
    columns, rows = read_expected_rows(expected_path(load_query("mirna-targets")))
    assert result.columns == columns and len(result.rows) == len(rows) > 0
    english = {cell(r[result.columns.index("target_label")]) for r in result.rows}
    chinese = {cell(r[result.columns.index("target_label")]) for r in run_query("mirna-targets", lang="zh").rows}
    assert english and english != chinese
