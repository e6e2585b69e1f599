"""Regressions of the SHACL compiler and the fast engine, each on a graph small enough to read.

The W3C suite (test_w3c_shacl.py) covers the standard; these pin bugs found in exo-onto's own code.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from exo_onto.io.load import store_from_graph
from exo_onto.shacl.compile import compile_shapes
from exo_onto.shacl.prebinding import IllFormedConstraint, check_pre_binding, joinable, substitute
from exo_onto.shacl.validate import ValidationError, validate_files, validate_graph
from exo_onto.terms.namespaces import SH

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
"""


def graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def results(data: Graph, shapes: Graph, fast: bool) -> set[tuple]:
    report = validate_graph(data, shapes=shapes, fast=fast, entailment="none")
    return {(str(r.terms.focus), str(r.terms.component)) for r in report.results}


def test_this_only_inside_not_exists_is_run_per_node_not_joined():
    """A constraint whose $this occurs only in FILTER NOT EXISTS was joined with the focus nodes, which
    left $this unbound where it mattered: the pre-bound query reports ex:a, the joined one nothing."""
    select = ("SELECT $this WHERE { ?x <http://example.org/p> ?y . "
              "FILTER NOT EXISTS { $this <http://example.org/q> ?y } }")
    assert not joinable(select)
    shapes = graph(f'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select """{select}""" ] .')
    data = graph("ex:b ex:p ex:c . ex:a ex:q ex:other .")
    assert results(data, shapes, fast=True) == results(data, shapes, fast=False) \
        == {("http://example.org/a", str(SH.SPARQLConstraintComponent))}


def test_a_joinable_constraint_binds_this_in_its_own_group():
    assert joinable("SELECT $this ?value WHERE { $this ex:p ?value . FILTER NOT EXISTS { ?value ex:q $this } }")
    assert not joinable("SELECT $this WHERE { { FILTER (bound($this)) } $this ex:p ?v }")  # a nested group
    assert not joinable("SELECT $this WHERE { $this ex:p ?v } LIMIT 1")
    assert not joinable("SELECT ?v WHERE { $this ex:p ?v }")  # $this is not returned


def test_pre_binding_replaces_this_everywhere_and_leaves_the_projections():
    text = ("SELECT DISTINCT $this ?v WHERE { $this ex:p ?v FILTER (bound($this)) "
            "{ SELECT $this WHERE { $this ex:q 1 } } }")
    bound = substitute(text, "this", "<urn:x>")
    assert "$this" not in bound and bound.count("<urn:x>") == 2 and "(true)" in bound
    assert bound.startswith("SELECT DISTINCT  ?v WHERE") and "SELECT  * WHERE" in bound


@pytest.mark.parametrize("select,rule", [
    ("SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }", "MINUS"),
    ("SELECT $this WHERE { VALUES ?x { 1 } }", "VALUES"),
    ("SELECT $this WHERE { BIND (1 AS $this) }", "rebind"),
    ("SELECT $this WHERE { { SELECT ?o WHERE { ?o ?p 1 } } }", "nested SELECT"),
])
def test_constraints_the_standard_forbids_are_refused_in_one_line(select, rule):
    with pytest.raises(IllFormedConstraint, match=rule):
        check_pre_binding(select)
    shapes = graph(f'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select """{select}""" ] .')
    for fast in (True, False):
        with pytest.raises(ValidationError) as err:
            validate_graph(graph("ex:a ex:p 1 ."), shapes=shapes, fast=fast, entailment="none")
        assert "\n" not in str(err.value)


def test_keywords_inside_strings_iris_and_comments_are_not_syntax():
    check_pre_binding('SELECT $this WHERE { $this <urn:VALUES> "MINUS SERVICE" ; ex:allowedValues ?v # VALUES\n }')


def test_a_blank_node_focus_is_pre_bound_by_the_engine():
    """A blank node has no SPARQL constant: Oxigraph binds it, $this added to the projection if missing."""
    def shapes(projection: str) -> Graph:
        return graph('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select '
                     f'"SELECT {projection} WHERE {{ $this <http://example.org/p> ?v FILTER (?v > 1) }}" ] .')
    data = graph("[] ex:p 2 . ex:a ex:p 1 .")
    fast = validate_graph(data, shapes=shapes("$this ?v"), entailment="none")
    assert [type(r.terms.focus).__name__ for r in fast.results] == ["BNode"]
    assert results(data, shapes("$this ?v"), True) == results(data, shapes("$this ?v"), False) \
        == results(data, shapes("?v"), True)


def test_a_string_beside_a_typed_literal_keeps_its_value_through_the_store():
    """as_written returned the only typed literal of (subject, predicate) for any literal: the language
    string below came back as the HTML literal, and pyshacl judged the wrong value."""
    data = graph('ex:a ex:p "<b>x</b>"^^rdf:HTML , "hallo"@de .')
    back = store_from_graph(data).to_graph()
    assert set(back.objects(URIRef("http://example.org/a"), URIRef("http://example.org/p"))) == {
        Literal("<b>x</b>", datatype=URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#HTML")),
        Literal("hallo", lang="de")}


def test_values_are_reported_as_written(tmp_path):
    """The report shows "1.0e0", as the file has it, not rdflib's "1.0"; both engines read it so."""
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
                   "sh:property [ sh:path ex:p ; sh:datatype xsd:decimal ; sh:message \"not a decimal\" ] .")
    data = tmp_path / "data.ttl"
    data.write_text(PREFIXES + 'ex:a ex:p "1.0e0"^^xsd:double .', encoding="utf-8")
    report = validate_files([data], shapes=shapes)
    assert set(report.results) == set(validate_files([data], shapes=shapes, fast=False).results)
    assert [str(r.terms.value) for r in report.results] == ["1.0e0"]
    assert report.results[0].value == '"1.0e0"^^xsd:double'


@pytest.mark.parametrize("nodes", [0, 3, 16, 17, 40])
def test_constraints_sharing_a_target_give_pyshacls_results_whatever_its_size(nodes):
    """Constraints that share a target run per node when it has at most FEW nodes, else joined with it;
    both ways on each side of the boundary give what pyshacl gives."""
    from exo_onto.shacl.engine import FEW

    assert FEW == 16
    rules = " , ".join(f'[ sh:select """SELECT $this ?value WHERE {{ $this <http://example.org/p> ?value . '
                       f'FILTER (STRLEN(?value) > {k}) }}""" ]' for k in (1, 2))
    shapes = graph(f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql {rules} .")
    data = graph(" ".join(f'ex:n{i} a ex:C ; ex:p "{"x" * (i % 4)}" .' for i in range(nodes)) + " ex:z ex:p 'xxx' .")
    expected = {(f"http://example.org/n{i}", str(SH.SPARQLConstraintComponent)) for i in range(nodes) if i % 4 > 1}
    assert results(data, shapes, fast=True) == results(data, shapes, fast=False) == expected


def test_a_shape_without_a_message_compiles_with_a_generated_one():
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
    assert compile_shapes(shapes, "none").left_to_pyshacl == []
    [result] = validate_graph(graph("ex:b ex:p 1 ."), shapes=shapes, entailment="none").results
    assert result.message == "Value does not satisfy the MinCount constraint of the shape"


def test_a_limited_report_keeps_the_first_results_per_shape_and_counts_them_all():
    """At scale the report holds ~250,000 MISEV warnings; with a limit only the first per shape stay in
    memory, every one is counted and can go to a sink (a report file), and the verdict is unchanged."""
    from exo_onto.io.load import load_store
    from exo_onto.paths import ontology_files
    from exo_onto.shacl.validate import validate_store

    sunk = []
    report = validate_store(load_store(ontology_files()), limit=2, sink=sunk.append)
    full = validate_files()
    assert len(sunk) == len(full.results) == 153 and set(sunk) == set(full.results)
    assert report.count("Warning") == 153 and report.conforms
    assert len(report.results) == 2 * len({(r.shape, r.constraint) for r in full.results})
    assert report.dropped == 153 - len(report.results)
    assert report.summary() == full.summary() + f"; {report.dropped} not listed (over the limit per shape)"


def test_results_over_the_limit_are_counted_but_never_rendered(monkeypatch):
    """Rendering a result (its node's label, short names, the message) took 4 of the 30 s of the checks at
    ×1000, for 149,000 results the limited report then dropped: only the kept ones are rendered now."""
    from exo_onto.io.load import load_store
    from exo_onto.paths import ontology_files
    from exo_onto.shacl import engine
    from exo_onto.shacl.validate import validate_store

    rendered = []
    real = engine.make_result
    monkeypatch.setattr(engine, "make_result", lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    report = validate_store(load_store(ontology_files()), limit=2)
    assert report.count("Warning") == 153 and report.dropped == 153 - len(report.results) > 0
    assert len(rendered) == len(report.results)


def test_shapes_edited_between_two_runs_are_compiled_anew():
    """The compiled shapes are kept for the next run with the same shapes: an edit in between must count."""
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
    data = graph("ex:a ex:p 1 .")
    assert results(data, shapes, fast=True) == set()
    prop = shapes.value(URIRef("http://example.org/S"), SH.property)
    shapes.add((prop, SH.maxCount, Literal(0)))
    assert results(data, shapes, fast=True) == {("http://example.org/a", str(SH.MaxCountConstraintComponent))}


def test_the_project_shapes_read_twice_are_the_same_triples():
    """The shapes are parsed once per file version and compiled once per content: with ten shape files and a
    cache of eight, every validation parsed and compiled them all again (three times the work per fixture)."""
    from exo_onto.shacl.validate import load_shapes

    assert frozenset(load_shapes()) == frozenset(load_shapes())


def test_a_store_validated_again_after_an_edit_forgets_the_old_entailments():
    """Before: the RDFS closure of the first run stayed in the store, so a value whose type was removed still
    counted as an ex:Super for sh:class, and the violation went unreported on the second run."""
    import pyoxigraph as ox

    from exo_onto.shacl.validate import validate_store

    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:class ex:Super ] .")
    data = graph("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
                 "ex:Sub rdfs:subClassOf ex:Super . ex:a ex:p ex:v . ex:v a ex:Sub .")
    loaded = store_from_graph(data)
    assert validate_store(loaded, shapes).results == []
    ex = "http://example.org/"
    loaded.store.remove(ox.Quad(ox.NamedNode(ex + "v"), ox.NamedNode(str(RDF.type)), ox.NamedNode(ex + "Sub")))
    assert [r.terms.component for r in validate_store(loaded, shapes).results] == [SH.ClassConstraintComponent]
