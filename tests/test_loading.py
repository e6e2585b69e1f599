"""Broken Turtle gets an error naming the file and the line (line numbers read off the fixtures)."""

from pathlib import Path

import pytest

from exo_onto import TurtleError, parse_turtle

BROKEN = Path(__file__).parent / "data" / "invalid-turtle"


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("unterminated-literal.ttl", 4, "newline"),
        ("unbound-prefix.ttl", 6, "nope"),
        ("missing-dot.ttl", 5, "expected"),
    ],
)
def test_parse_error_names_file_and_line(name, line, words):
    path = BROKEN / name
    with pytest.raises(TurtleError) as info:
        parse_turtle(path)
    err = info.value
    assert err.path == path
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}: ")
    assert words in str(err)


def test_unreadable_file_is_reported(tmp_path):
    missing = tmp_path / "nope.ttl"
    with pytest.raises(TurtleError, match="cannot read"):
        parse_turtle(missing)


def test_loaded_graph_binds_project_prefixes(graph):
    prefixes = dict(graph.namespaces())
    assert str(prefixes["mscexo"]) == "https://w3id.org/exo-onto/"
    assert "ns1" not in prefixes
