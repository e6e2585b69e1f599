"""Hostile project files: every command reads them through one loader and says what is wrong in one line.

Each test copies the project under tmp_path, breaks one file and points ``EXO_ONTO_HOME`` at the copy;
the checkout itself is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import URIRef

from conftest import exo_onto_exe
from exo_onto import load_graph, run_check
from exo_onto.io.load import TurtleError, as_paths, load_store, parse_turtle
from exo_onto.paths import ontology_files, project_root
from exo_onto.pipeline.check import NOT_THE_PROJECT
from exo_onto.publish.serve import free_port

ROOT = project_root()
VICTIM = Path("ontology") / "kg" / "findings-1.1.ttl"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's data (ontology, shapes, queries) to break."""
    root = tmp_path / "project"
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def append_line(path: Path, line: str) -> int:
    """Append ``line`` to ``path``; return its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def one_line_error(r, status: int) -> str:
    assert r.code == status, (r.code, r.out[-2000:], r.err[-2000:])
    assert "Traceback" not in r.out + r.err
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("error: ")
    return lines[0]


# --- one loader, one message -----------------------------------------------------------------

def test_query_reads_the_project_through_the_check_loader(cli, project):
    """Before: `query` loaded the files its own way and a syntax error was a SyntaxError traceback."""
    victim = project / VICTIM
    line = append_line(victim, "mscexo:oops mscexo:hasNoObject .")
    env = {"EXO_ONTO_HOME": str(project)}
    err = one_line_error(cli("query", "mirna-targets", env=env), 1)
    assert f"{victim}:{line}: " in err
    check = cli("check", env=env)
    assert check.code == 1 and f"{victim}:{line}: " in check.out  # the very same place


# Each command reading the graph, its exit status for a file that does not parse, and where it says so.
COMMANDS = [
    (("query", "mirna-targets"), 1, "err"),
    (("stats",), 2, "err"),
    (("qc",), 2, "err"),
    (("check",), 1, "out"),
    (("validate",), 2, "err"),
]


@pytest.mark.parametrize(("args", "status", "stream"), COMMANDS, ids=lambda v: v[0] if isinstance(v, tuple) else "")
def test_an_iri_with_a_space_is_refused_by_every_command(cli, project, args, status, stream):
    """rdflib accepts <a b>, Oxigraph does not: stats used to exit 0 while qc and query crashed."""
    victim = project / VICTIM
    line = append_line(victim, '<https://w3id.org/exo-onto/a b> rdfs:label "spaced"@en .')
    r = cli(*args, env={"EXO_ONTO_HOME": str(project)})
    assert r.code == status, (r.code, r.out[-2000:], r.err[-2000:])
    assert "Traceback" not in r.out + r.err
    assert f"{victim}:{line}: Invalid IRI code point ' '" in getattr(r, stream)


def test_push_serve_and_build_refuse_it_too(project, tmp_path):
    """These load through load_graph, which applies the same rule (no crash on serialising <a b>)."""
    victim = project / VICTIM
    line = append_line(victim, '<https://w3id.org/exo-onto/a b> rdfs:label "spaced"@en .')
    env = {**os.environ, "EXO_ONTO_HOME": str(project)}
    for args in (["push", "--endpoint", f"http://127.0.0.1:{free_port()}/store"],
                 ["serve", "--port", "0"],
                 ["build", "--out", str(tmp_path / "release")]):
        p = subprocess.run([exo_onto_exe(), *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=300)
        assert p.returncode != 0, args
        assert "Traceback" not in p.stdout + p.stderr, args
        assert f"{victim}:{line}: Invalid IRI code point ' '" in p.stderr, (args, p.stderr)


def test_a_byte_order_mark_is_accepted_everywhere(cli, project):
    """Before: '\ufeffPREFIX is not a valid subject' from Oxigraph, 'expected directive' from rdflib."""
    victim = project / VICTIM
    victim.write_bytes(b"\xef\xbb\xbf" + victim.read_bytes())
    env = {"EXO_ONTO_HOME": str(project)}
    r = cli("query", "mirna-targets", env=env)
    assert r.code == 0, r.err
    assert r.out == cli("query", "mirna-targets").out  # the same answer as from the project itself
    assert cli("stats", env=env).code == 0
    assert cli("qc", env=env).code == 0
    with_bom, without = load_store([victim]), load_store([ROOT / VICTIM])
    assert with_bom.triples == without.triples > 0
    assert len(parse_turtle(victim)) == len(parse_turtle(ROOT / VICTIM))


def test_latin1_file_names_the_file_and_line(cli, project):
    victim = project / VICTIM
    line = append_line(victim, "") + 1  # the next line is the latin-1 one
    with open(victim, "ab") as fh:
        fh.write('<https://w3id.org/exo-onto/x> rdfs:label "caf\xe9" .\n'.encode("latin-1"))
    env = {"EXO_ONTO_HOME": str(project)}
    for args, status in ((("query", "mirna-targets"), 1), (("stats",), 2)):
        err = one_line_error(cli(*args, env=env), status)
        assert f"{victim}:{line}: not UTF-8" in err


def test_a_50_mb_literal_is_one_line_not_a_memory_error(cli, project):
    victim = project / VICTIM
    line = append_line(victim, '<https://w3id.org/exo-onto/x> rdfs:comment "' + "a" * 50_000_000 + '" .')
    env = {"EXO_ONTO_HOME": str(project)}
    for args, status in ((("query", "mirna-targets"), 1), (("stats",), 2)):
        r = cli(*args, env=env)
        err = one_line_error(r, status)
        assert "MemoryError" not in r.err
        assert f"{victim}:{line}: a term (literal or IRI) longer than 16 MiB" in err
    with pytest.raises(TurtleError, match="longer than 16 MiB"):
        load_store(victim)


# --- check on files that are not the project ---------------------------------------------------

def test_check_on_an_empty_file_says_which_steps_do_not_apply(cli, tmp_path):
    """Before: ~250 lines of 'missing row' from the stored queries, so such a file could never pass."""
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    r = cli("check", str(empty))
    assert r.code == 0, r.out
    assert f"[ok  ] queries: {NOT_THE_PROJECT}" in r.out
    assert "missing row" not in r.out
    assert len(r.out.splitlines()) < 15


def test_check_on_a_foreign_ontology_skips_the_project_header_check(cli, tmp_path):
    """An ontology header without the project's FAIR metadata is not an error of someone else's file."""
    own = tmp_path / "mine.ttl"
    own.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<http://example.org/mine> a owl:Ontology .\n",
                   encoding="utf-8")
    r = cli("check", str(own))
    assert r.code == 0, r.out
    assert f"missing_ontology_metadata: {NOT_THE_PROJECT}" in r.out
    assert f"queries: {NOT_THE_PROJECT}" in r.out
    q = cli("qc", str(own))
    assert q.code == 0 and f"missing_ontology_metadata: {NOT_THE_PROJECT}" in q.err


# --- the library takes str and Path ------------------------------------------------------------

def test_library_accepts_one_path_as_str_or_path(tmp_path):
    """Before: run_check("file.ttl") iterated the string ("21 of 21 file(s) do not parse")."""
    f = tmp_path / "one.ttl"
    f.write_text('<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a" .\n', encoding="utf-8")
    for arg in (str(f), f, [str(f)], (f,)):
        assert as_paths(arg) == [f]
        g = load_graph(arg)
        assert (URIRef("http://example.org/a"), None, None) in g and len(g) == 1
        assert load_store(arg).triples == 1
    report = run_check(str(f), reasoning="tbox")
    parse = report.steps[0]
    assert parse.ok and parse.summary == "1 Turtle file(s), 1 triples"
    assert as_paths(None) is None
    assert run_check(str(tmp_path / "missing.ttl")).steps[0].summary == "1 of 1 file(s) do not parse"


def test_the_project_set_is_recognised_in_any_spelling():
    from exo_onto.io.load import is_project_graph

    files = ontology_files()
    assert is_project_graph(None) and is_project_graph(files) and is_project_graph([str(p) for p in reversed(files)])
    assert not is_project_graph(files[:1]) and not is_project_graph(files[0])


def test_check_on_an_ill_typed_literal_names_it_in_one_line(cli, tmp_path):
    """Before: owlready2 could not read "abc"^^xsd:integer and check died with a traceback (and rdflib
    logged one per literal). OWL calls such a literal inconsistent: the reason step says so and where."""
    bad = tmp_path / "ill.ttl"
    bad.write_text('@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                   'ex:a ex:p "abc"^^xsd:integer ; ex:q "none"^^xsd:boolean .\n', encoding="utf-8")
    r = cli("check", str(bad))
    assert r.code == 1
    assert "Traceback" not in r.out + r.err and "Warning" not in r.err
    assert "[FAIL] reason (HermiT): INCONSISTENT" in r.out
    lines = [line for line in r.out.splitlines() if "ill-typed literal" in line]
    assert len(lines) == 2 and '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>' in lines[0]


def test_check_with_no_room_for_hermits_files_says_it_could_not_run(tmp_path):
    """A full disk under HermiT (simulated by a file-size limit): one line, the step 'could not run',
    never 'INCONSISTENT' and never a traceback, not even from a temporary file closed at exit."""
    import resource

    def no_room() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    r = subprocess.run([exo_onto_exe(), "check"], capture_output=True, text=True, preexec_fn=no_room, timeout=600,
                       cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    assert "[FAIL] reason (HermiT): could not run" in r.stdout
    assert "File too large" in r.stdout and "INCONSISTENT" not in r.stdout
