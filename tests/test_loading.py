"""Broken Turtle gets an error naming the file and the line (line numbers read off the fixtures)."""

from pathlib import Path

import pytest

from exo_onto import TurtleError, parse_turtle
from exo_onto.io.load import load_store

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
