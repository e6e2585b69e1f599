"""Broken Turtle gets an error naming the file and the line (line numbers read off the fixtures)."""

import os
from collections import OrderedDict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, XSD, BNode, Literal, URIRef

from exo_onto import TurtleError, parse_turtle
from exo_onto.io import load as load_module
from exo_onto.io.load import load_store, parsed
from exo_onto.terms.convert import ox_to_rdflib, rdflib_to_ox

BROKEN = Path(__file__).parent / "data" / "invalid-turtle"


CASES = [
    ("unterminated-literal.ttl", 4, "Line jumps"),
    ("unbound-prefix.ttl", 6, "nope"),
    ("missing-dot.ttl", 5, "dot is expected"),
]


@pytest.mark.parametrize(("name", "line", "words"), CASES)
def test_parse_error_names_file_and_line(name, line, words):
    path = BROKEN / name
    with pytest.raises(TurtleError) as info:
        parse_turtle(path)
    err = info.value
    assert err.path == path
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}: ")
    assert words in str(err)


@pytest.mark.parametrize(("name", "line", "words"), CASES)
def test_store_loader_names_file_and_line(name, line, words):
    """The Oxigraph loader (the path for large graphs) reports the same file, line and words."""
    path = BROKEN / name
    with pytest.raises(TurtleError) as info:
        load_store([path])
    assert (info.value.path, info.value.line) == (path, line)
    assert str(info.value).startswith(f"{path}:{line}: ") and words in str(info.value)
    with pytest.raises(TurtleError) as rdflib_path:
        parse_turtle(path)
    assert str(rdflib_path.value) == str(info.value), "one rule, one message for both loaders"


def test_store_loader_keeps_typed_literals_as_written(tmp_path):
    """Oxigraph stores "12.0"^^xsd:decimal as 12 and xsd:nonNegativeInteger as xsd:integer; the loader
    remembers the written form, which sh:datatype and every report must see."""
    data = tmp_path / "typed.ttl"
    data.write_text('''@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://example.org/s> <http://example.org/p> "12.0"^^xsd:decimal , "-3"^^xsd:nonNegativeInteger , "x" .
''', encoding="utf-8")
    loaded = load_store([data])
    s, p = next(iter(loaded.store)).subject, next(iter(loaded.store)).predicate
    stored = {q.object.value: q.object for q in loaded.store}
    assert "12" in stored and "12.0" not in stored  # the store's own form
    assert loaded.as_written(s, p, stored["12"]).value == "12.0"
    written = loaded.as_written(s, p, stored["-3"])
    assert written.datatype.value.endswith("#nonNegativeInteger")
    assert loaded.as_written(s, p, stored["x"]) == stored["x"]
    assert loaded.triples == 3


def test_unreadable_file_is_reported(tmp_path):
    missing = tmp_path / "nope.ttl"
    with pytest.raises(TurtleError, match="cannot read"):
        parse_turtle(missing)
    with pytest.raises(TurtleError, match="cannot read"):
        load_store([missing])


def test_loaded_graph_binds_project_prefixes(graph):
    prefixes = dict(graph.namespaces())
    assert str(prefixes["mscexo"]) == "https://w3id.org/exo-onto/"
    assert "ns1" not in prefixes


NT_TYPED = '''<http://example.org/C> <http://www.w3.org/2000/01/rdf-schema#subClassOf> _:r .
_:r <http://www.w3.org/2002/07/owl#onProperty> <http://example.org/p> .
_:r <http://www.w3.org/2002/07/owl#cardinality> "1"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://example.org/s> <http://example.org/p> "12.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://example.org/s> <http://example.org/p> "007"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://example.org/s> <http://example.org/q> "a \\"^^<b and _:c in a string" .
<http://example.org/s> <http://example.org/q> _:other .
_:other <http://example.org/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
'''


def test_an_ntriples_file_loads_natively_with_typed_literals_and_blank_nodes_as_written(tmp_path):
    """N-Triples go to Oxigraph's own loader; the lines with a typed literal or a blank node are read again
    so that literals stay as written and each blank node stays one node: the same graph as the per-triple
    parser reads from the same text as Turtle."""
    from rdflib.compare import isomorphic

    path, turtle = tmp_path / "typed.nt", tmp_path / "typed.ttl"
    path.write_text(NT_TYPED, encoding="utf-8")
    turtle.write_text(NT_TYPED, encoding="utf-8")
    native = load_store(path).to_graph()
    assert len(native) == 8
    assert isomorphic(native, load_store(turtle).to_graph())
    written = {(str(o), str(o.datatype).rsplit("#")[-1]) for o in native.objects() if getattr(o, "datatype", None)}
    assert written == {("1", "nonNegativeInteger"), ("12.0", "decimal"), ("007", "integer"), ("1", "integer")}


NT_RULES = """\
<http://example.org/s1> <http://example.org/p> "5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://example.org/s1> <http://example.org/p> "07"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://example.org/s2> <http://example.org/p> "6"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://example.org/s3> <http://example.org/q> "5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<http://example.org/s3> <http://example.org/q> "8"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://example.org/s4> <http://example.org/r> "2020"^^<http://www.w3.org/2001/XMLSchema#gYear> .
<http://example.org/s5> <http://example.org/r> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://example.org/s6> <http://example.org/r> "0"^^<http://www.w3.org/2001/XMLSchema#boolean> . # a comment
"""


def test_a_large_ntriples_file_keeps_one_rule_per_predicate_not_every_typed_literal(tmp_path):
    """At x1000 the loader kept each of 270,000 typed literals as a Python object (155 MB), most of them span
    offsets that Oxigraph keeps with their lexical form but as xsd:integer. Now one rule per predicate says
    so, and only the literals no rule covers are kept one by one: a lexical form Oxigraph changes ("07",
    "1.50"), a predicate whose literals were written with two datatypes (q), a line it does not read
    (the comment). Every literal still reads back as written: the same graph as the per-triple parser's."""
    from rdflib.compare import isomorphic

    path, turtle = tmp_path / "typed.nt", tmp_path / "typed.ttl"
    path.write_text(NT_RULES, encoding="utf-8")
    turtle.write_text(NT_RULES, encoding="utf-8")
    native = load_module.LoadedStore()
    assert native._add_ntriples(path)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert native.rules == {(ox.NamedNode("http://example.org/p"), ox.NamedNode(xsd + "integer")):
                            ox.NamedNode(xsd + "nonNegativeInteger")}
    assert sorted((str(s.value), str(lit.value)) for (s, _), lits in native.written.items() for lit in lits) == [
        ("http://example.org/s1", "07"), ("http://example.org/s3", "5"), ("http://example.org/s5", "1.50"),
        ("http://example.org/s6", "0")]
    graph = native.to_graph()
    assert isomorphic(graph, load_store(turtle).to_graph())
    written = {(str(o), str(o.datatype).rsplit("#")[-1]) for o in graph.objects()}
    assert written == {("5", "nonNegativeInteger"), ("07", "nonNegativeInteger"), ("6", "nonNegativeInteger"),
                       ("8", "integer"), ("2020", "gYear"), ("1.50", "decimal"), ("0", "boolean")}


_XSD = str(XSD)
#: Typed literals the loader takes as kept by Oxigraph without asking it (no scratch store), each as N-Triples.
KEPT_AS_WRITTEN = ['"0"^^<{x}integer>', '"-7"^^<{x}integer>', '"123456789012345678"^^<{x}integer>',
                   '"-123456789012345678"^^<{x}integer>', '"true"^^<{x}boolean>', '"false"^^<{x}boolean>',
                   '" 01 "^^<{x}string>', '"a\\"b\\u00e9"^^<{x}string>', '"01"^^<http://example.org/dt>',
                   '"1.0e0"^^<http://example.org/dt>', '"POINT(1 2)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>']
#: Near misses, which the scratch store must judge: forms Oxigraph may rewrite, other XSD and RDF datatypes.
NEAR_MISSES = ['"01"^^<{x}integer>', '"+1"^^<{x}integer>', '"-0"^^<{x}integer>',
               '"1234567890123456789"^^<{x}integer>', '"99999999999999999999"^^<{x}integer>', '" 1"^^<{x}integer>',
               '"1"^^<{x}boolean>', '"TRUE"^^<{x}boolean>', '"1.0"^^<{x}decimal>', '"5"^^<{x}int>',
               '"x"^^<{x}integer>', '"<b>a</b>"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#HTML>',
               '"1"^^<http://www.w3.org/2001/XMLSchema#\\u0069nteger>', '"0\\u0031"^^<{x}integer>',
               '"\\u0031"^^<{x}integer>', '"1.50"^^<{x}decimal>', '"1.5"^^<{x}double>', '"1.50"^^<{x}double>']


@pytest.mark.parametrize("literal", KEPT_AS_WRITTEN)
def test_oxigraph_keeps_the_literals_the_loader_does_not_ask_it_about(literal):
    """What :func:`exo_onto.io.load._kept_as_written` assumes, asked of Oxigraph itself: the store holds each such
    literal exactly as its parser reads it (an upgrade of Oxigraph that canonicalised one would fail here)."""
    line = f'<http://example.org/s> <http://example.org/p> {literal.format(x=_XSD)} .\n'
    _, lexical, datatype = load_module._TYPED_LINE.fullmatch(line.encode()).groups()
    assert load_module._kept_as_written(lexical, datatype)
    store = ox.Store()
    store.load(line, format=ox.RdfFormat.N_TRIPLES)
    [kept] = [q.object for q in store]
    [read] = [t.object for t in ox.parse(line, format=ox.RdfFormat.N_TRIPLES)]
    assert (kept.value, kept.datatype) == (read.value, read.datatype)


@pytest.mark.parametrize("chunk", [2, 1 << 16])
def test_typed_literals_read_back_as_written_whichever_way_the_loader_judged_them(tmp_path, monkeypatch, chunk):
    """Literals the loader takes as kept without asking, and their near misses that scratch stores judge (two
    literals at a time, or all at once), on one predicate and on predicates of their own: every one reads back
    as the per-triple parser reads it."""
    from rdflib.compare import isomorphic

    monkeypatch.setattr(load_module, "_SCRATCH_CHUNK", chunk)

    assert not any(load_module._kept_as_written(*load_module._TYPED_LINE.fullmatch(
        f'<http://example.org/s> <http://example.org/p> {lit.format(x=_XSD)} .'.encode()).groups()[1:])
        for lit in NEAR_MISSES)
    lines = [f'<http://example.org/s{i}> <http://example.org/{p}> {lit.format(x=_XSD)} .'
             for i, lit in enumerate(KEPT_AS_WRITTEN + NEAR_MISSES) for p in ("shared", f"own{i}")]
    path, turtle = tmp_path / "typed.nt", tmp_path / "typed.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    turtle.write_text("\n".join(lines) + "\n", encoding="utf-8")
    native = load_module.LoadedStore()
    assert native._add_ntriples(path)  # the native path took it, not the careful fallback
    assert isomorphic(native.to_graph(), load_store(turtle).to_graph())


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_the_native_load_reads_the_file_in_chunks_of_whole_lines(tmp_path, monkeypatch, chunk, ending):
    """The file is streamed in chunks (never mapped whole: a 763 MB file added its size to the peak memory).
    Wherever a chunk ends, even inside a line, and with or without a last newline, each line is judged once."""
    from rdflib.compare import isomorphic

    from exo_onto.io import load

    monkeypatch.setattr(load._Split, "CHUNK", chunk)
    path, turtle = tmp_path / "typed.nt", tmp_path / "typed.ttl"
    path.write_text(NT_TYPED.rstrip("\n") + ending, encoding="utf-8")
    turtle.write_text(NT_TYPED, encoding="utf-8")
    native = load.LoadedStore()
    assert native._add_ntriples(path)  # the native path took it, not the careful fallback
    assert len(native.store) == 8
    assert isomorphic(native.to_graph(), load_store(turtle).to_graph())
    assert sorted(len(v) for v in native.written.values()) == [1, 1, 2]


@pytest.mark.parametrize("broken", ['<http://example.org/s> <http://example.org/p> .',
                                    '_:x <http://example.org/p> .',
                                    '<http://example.org/s> <http://example.org/p> "1"^^<http://example.org/t> <x> .'])
def test_a_broken_ntriples_file_names_its_line(tmp_path, broken):
    """Whichever part of the N-Triples path meets the error (the native load, the lines with a blank node or
    a typed literal), the error names the line of the file."""
    path = tmp_path / "broken.nt"
    path.write_text(NT_TYPED + broken + "\n" + NT_TYPED, encoding="utf-8")
    with pytest.raises(TurtleError) as info:
        load_store(path)
    assert info.value.line == 9


def test_two_files_with_the_same_blank_node_label_are_two_nodes(tmp_path):
    """Before: ``_:b`` of one file and ``_:b`` of another became one node, so a shape counted both
    files' values on it (a maxCount 1 violated by two files each saying one thing)."""
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:b <http://example.org/p> "1" .\n', encoding="utf-8")
    b.write_text('_:b <http://example.org/p> "2" .\n', encoding="utf-8")
    assert len({q.subject for q in load_store([a, b]).store}) == 2


@pytest.mark.parametrize("term", [
    URIRef("http://example.org/a"), BNode("b1"), Literal("x"), Literal("x", lang="zh"),
    Literal("007", datatype=XSD.integer), Literal("1.0e0", datatype=XSD.double),
    Literal("<b>x</b>", datatype=RDF.HTML)], ids=str)
def test_terms_cross_between_rdflib_and_oxigraph_unchanged(term):
    """One converter each way (terms.convert): a literal keeps its lexical form, a blank node its id."""
    back = ox_to_rdflib(rdflib_to_ox(term))
    assert (back, str(back), type(back)) == (term, str(term), type(term))


def test_a_file_is_parsed_once_per_content_and_each_caller_gets_its_own_graph(tmp_path, monkeypatch):
    """parse_turtle keeps each file parsed while its content is unchanged (`docs` reads the project twice): an
    edit is read, a graph handed out is the caller's to change, and an error names the file as the caller did."""
    path = tmp_path / "a.ttl"
    path.write_text('<http://example.org/a> <http://example.org/p> "1" .\n', encoding="utf-8")
    first = parse_turtle(path)
    first.add((URIRef("http://example.org/mine"), RDF.type, URIRef("http://example.org/Mine")))
    assert len(parse_turtle(path)) == 1  # the caller's change stays the caller's
    assert parsed(path) is parsed(str(path))

    path.write_text('<http://example.org/a> <http://example.org/p> "2", "3" .\n', encoding="utf-8")
    assert {str(o) for o in parse_turtle(path).objects()} == {"2", "3"}

    # An edit of the same size within the file system's clock tick (modification time kept) is read too.
    stamp = path.stat().st_mtime_ns
    path.write_text('<http://example.org/a> <http://example.org/p> "4", "5" .\n', encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    assert {str(o) for o in parse_turtle(path).objects()} == {"4", "5"}

    # What is kept is bounded: a file beyond the budget of kept bytes is parsed each time, never kept, and
    # older files give way to newer ones.
    monkeypatch.setattr(load_module, "_KEPT_BYTES", 200)
    monkeypatch.setattr(load_module, "_kept", OrderedDict())
    big, other = tmp_path / "big.ttl", tmp_path / "other.ttl"
    big.write_text("# " + "x" * 200 + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert parsed(big) is not parsed(big) and len(parsed(big)) == 2
    kept = parsed(path)
    assert parsed(path) is kept
    other.write_text("# " + "y" * 100 + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert parsed(other) is parsed(other)
    assert parsed(path) is not kept  # made room for other.ttl
    assert sum(size for size, _ in load_module._kept.values()) <= 200

    path.write_text('<http://example.org/a> <http://example.org/p> "4 .\n', encoding="utf-8")
    relative = Path(os.path.relpath(path))
    with pytest.raises(TurtleError) as info:
        parse_turtle(relative)
    assert str(info.value).startswith(f"{relative}:1: ")
