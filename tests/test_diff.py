"""exo-onto diff and the release changelog: real edits of the project graph, named as they were made.

Each test edits a copy of the real graph the way a curator would (flip a direction, drop a finding,
relabel a term, change a context) and checks that the report names exactly that; which finding or
term to edit is chosen from the data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from exo_onto.curate.changelog import changes_markdown, compare, load_version
from exo_onto.io.fmt import canonical_turtle
from exo_onto.paths import project_root
from exo_onto.terms.namespaces import MSCEXO, curie

FINDING = MSCEXO.Finding


def copy_of(graph: Graph) -> Graph:
    g = Graph()
    for prefix, ns in graph.namespaces():
        g.bind(prefix, ns)
    g += graph
    return g


def write(graph: Graph, path: Path) -> Path:
    path.write_text(canonical_turtle(graph), encoding="utf-8")
    return path


def first(graph: Graph, query: str):
    rows = sorted(graph.query(query), key=lambda r: tuple(str(x) for x in r))
    assert rows, query
    return rows[0]


def test_a_flipped_direction_is_named_as_a_change_of_that_field(graph, tmp_path, cli):
    row = first(graph, f"SELECT ?f WHERE {{ ?f a <{FINDING}> ; <{MSCEXO.direction}> <{MSCEXO.Increased}> }}")
    new = copy_of(graph)
    new.remove((row.f, MSCEXO.direction, None))
    new.add((row.f, MSCEXO.direction, MSCEXO.Decreased))
    old_file, new_file = write(graph, tmp_path / "old.ttl"), write(new, tmp_path / "new.ttl")
    result = cli("diff", str(old_file), str(new_file), "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["findings"]["changed"] == [{
        "finding": curie(row.f), "fields": ["direction"],
        "changes": [{"field": "direction", "old": ["mscexo:Increased"], "new": ["mscexo:Decreased"]}],
    }]
    assert report["findings"]["added"] == report["findings"]["removed"] == []
    md = cli("diff", str(old_file), str(new_file))
    assert md.code == 0
    assert f"`{curie(row.f)}`" in md.out and "direction: `mscexo:Increased` → `mscexo:Decreased`" in md.out


def test_a_removed_finding_is_named_removed(graph):
    row = first(graph, f"SELECT ?f WHERE {{ ?f a <{FINDING}> ; <{MSCEXO.statedInSection}> <{MSCEXO['section-1.3']}> }}")
    new = copy_of(graph)
    new.remove((row.f, None, None))
    changes = compare(graph, new)
    assert changes.findings_removed == [str(row.f)]
    assert changes.findings_withdrawn == []
    assert not changes.findings_changed and not changes.findings_added
    assert f"`{curie(row.f)}`" in changes.to_markdown().split("## Findings removed")[1]


def test_a_withdrawn_finding_is_removed_and_marked_withdrawn(graph):
    row = first(graph, f"SELECT ?f WHERE {{ ?f a <{FINDING}> }}")
    new = copy_of(graph)
    new.remove((row.f, RDF.type, FINDING))
    new.add((row.f, OWL.deprecated, Literal(True)))
    changes = compare(graph, new)
    assert changes.findings_removed == [str(row.f)] == changes.findings_withdrawn


def test_a_relabelled_term_is_reported_with_old_and_new_label(graph, tbox):
    row = first(tbox, """SELECT ?t ?l WHERE { ?t a <http://www.w3.org/2002/07/owl#Class> ; rdfs:label ?l .
                         FILTER (lang(?l) = "en" && isIRI(?t)) }""")
    new = copy_of(graph)
    new.remove((row.t, RDFS.label, row.l))
    new.add((row.t, RDFS.label, Literal(str(row.l) + " (renamed)", lang="en")))
    changes = compare(graph, new)
    assert list(changes.terms_relabelled) == [str(row.t)]
    old, now = changes.terms_relabelled[str(row.t)]
    assert old["en"] == [str(row.l)] and now["en"] == [str(row.l) + " (renamed)"]
    assert not changes.findings_changed and not changes.terms_redefined
    assert "Terms relabelled" in changes.to_markdown()


def test_a_context_change_changes_every_finding_that_uses_it_by_content(graph):
    row = first(graph, f"SELECT ?c ?w WHERE {{ ?c a <{MSCEXO.ExperimentalContext}> ; <{MSCEXO.timePointWeeks}> ?w }}")
    users = {str(f) for f in graph.subjects(MSCEXO.hasContext, row.c) if (f, RDF.type, FINDING) in graph}
    assert users
    new = copy_of(graph)
    new.remove((row.c, MSCEXO.timePointWeeks, None))
    new.add((row.c, MSCEXO.timePointWeeks, Literal("99.0", datatype=row.w.datatype)))
    changes = compare(graph, new)
    assert set(changes.findings_changed) == users
    assert all([c.field for c in cs] == ["context"] for cs in changes.findings_changed.values())


def test_a_span_renamed_with_the_same_content_is_no_change(graph):
    """Spans are compared by what they quote, not by their IRI."""
    f = first(graph, f"SELECT ?f ?s WHERE {{ ?f a <{FINDING}> ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?s }}")
    new = copy_of(graph)
    renamed = URIRef(str(f.s) + "-renamed")
    for p, o in list(new.predicate_objects(f.s)):
        new.add((renamed, p, o))
    new.remove((f.f, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), f.s))
    new.add((f.f, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), renamed))
    assert compare(graph, new).findings_changed == {}


def test_identical_versions_give_an_empty_changelog(graph, tmp_path, cli):
    # the same graph written two ways: canonical Turtle and N-Triples in a release folder
    release = tmp_path / "release"
    release.mkdir()
    graph.serialize(release / "exo-onto-full.nt", format="nt", encoding="utf-8")
    turtle = write(graph, tmp_path / "same.ttl")
    changes = compare(load_version(turtle), load_version(release))
    assert changes.is_empty()
    md = changes_markdown(graph, copy_of(graph))
    assert "No finding, term or mapping changed." in md
    assert not [line for line in md.splitlines() if line.startswith("- ")]
    result = cli("diff", str(turtle), str(release), "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert all(not v for part in report.values() for v in part.values())


def test_git_revisions_of_the_project(tmp_path, cli):
    """git:REV reads the project's ontology files at a revision (here a throwaway repository)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(project_root() / "ontology", repo / "ontology")
    run = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "ontology")
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one")
    path = repo / "ontology" / "kg" / "findings-1.1.ttl"
    text = path.read_text(encoding="utf-8")
    finding = text.split("\nmscexo:finding-", 1)[1].split("\n", 1)[0]
    start = text.index("\nmscexo:finding-" + finding + "\n")
    end = text.index("\n.\n", start) + 3
    path.write_text(text[:start + 1] + text[end:], encoding="utf-8")  # delete that finding's block
    run("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-am", "two")
    result = cli("diff", "git:HEAD~1", "git:HEAD", "--format", "json", env={"EXO_ONTO_HOME": str(repo)})
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [r["finding"] for r in report["findings"]["removed"]] == ["mscexo:finding-" + finding]
    bad = cli("diff", "git:no-such-rev", "git:HEAD", env={"EXO_ONTO_HOME": str(repo)})
    assert bad.code == 2 and bad.out == "" and len(bad.err.strip().splitlines()) == 1


def test_unreadable_versions_are_one_line_errors(tmp_path, cli):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://x/> .\n:a :b \n", encoding="utf-8")
    for args in (["diff", str(tmp_path / "missing.ttl"), str(broken)], ["diff", str(broken), str(broken)],
                 ["diff", str(tmp_path), str(broken)]):
        result = cli(*args)
        assert result.code == 2, args
        assert result.out == ""
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "broken.ttl:" in cli("diff", str(broken), str(broken)).err
