"""``exo-onto fmt`` on a user's own Turtle: lossless, or one line, exit 2 and the file untouched (issue 11).

Each test writes its input into tmp_path, runs the installed ``exo-onto`` as a user would, and
compares the user's files byte for byte where the command must not change them.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from exo_onto.paths import ontology_files, project_root

EXE = str(Path(sys.executable).with_name("exo-onto"))

USER_TTL = """\
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix unused: <http://example.org/unused#> .

ex:a ex:age "007"^^xsd:integer ;
  ex:ok "1"^^xsd:boolean ;
  ex:ratio "12"^^xsd:decimal ;
  ex:big "1.5E3"^^xsd:double ;
  ex:see <other.ttl#x> , <#me> , <> , <../up/there> ;
  ex:name "Wang"@en-GB .
"""


def run(*args: str, cwd: Path, limit_file_size: int | None = None,
        preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # a full disk, as the writing process sees it: a write fails with an OSError
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    p = subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                       preexec_fn=limit if limit_file_size else preexec_fn)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p


def triples(path: Path, base: str) -> set[tuple[str, str, str]]:
    """The file's triples as written (Oxigraph keeps literal lexical forms), parsed against ``base``."""
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=base)}


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def one_error_line(p: subprocess.CompletedProcess) -> str:
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_a_comment_is_refused_with_its_line_and_the_file_untouched(tmp_path):
    f = write(tmp_path / "notes.ttl", USER_TTL.replace("ex:ok", "# why this is ok\n  ex:ok"))
    before = f.read_bytes()
    p = run("fmt", "notes.ttl", cwd=tmp_path)
    assert p.returncode == 2
    assert one_error_line(p).startswith("error: notes.ttl:6: has a comment")
    assert f.read_bytes() == before
    p = run("fmt", "--check", "notes.ttl", cwd=tmp_path)
    assert p.returncode == 2 and "notes.ttl:6" in p.stderr and f.read_bytes() == before


def test_hash_inside_iris_strings_and_names_is_not_a_comment(tmp_path):
    f = write(tmp_path / "hashes.ttl", '@prefix ex: <http://example.org/ns#> .\n'
              '@prefix p: <http://example.org/p/> .\n'
              'ex:a ex:iri <http://e.org/x#frag> ; ex:s "a # b" , \'\'\'c\n# d\'\'\' ; ex:n p:x\\#y .\n')
    p = run("fmt", "hashes.ttl", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "a # b" in f.read_text() and "\n# d" in f.read_text()


def test_drop_comments_drops_them_but_keeps_the_block_at_the_top(tmp_path):
    text = "# Licence: CC0\n# by me\n\n" + USER_TTL.replace("ex:ok", "# inline\n  ex:ok")
    f = write(tmp_path / "notes.ttl", text)
    p = run("fmt", "--drop-comments", "notes.ttl", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = f.read_text()
    assert out.startswith("# Licence: CC0\n# by me\n\n") and "# inline" not in out
    base = (tmp_path / "notes.ttl").as_uri()
    write(tmp_path / "plain.ttl", USER_TTL)
    assert triples(f, base) == triples(tmp_path / "plain.ttl", base)


def test_the_files_own_prefix_names_are_kept(tmp_path):
    f = write(tmp_path / "mine.ttl", USER_TTL)
    p = run("fmt", "mine.ttl", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "reformatted: mine.ttl\n", p.stdout + p.stderr
    out = f.read_text()
    assert "PREFIX ex: <http://example.org/>" in out and "ex:a" in out and "ns1" not in out
    assert "PREFIX unused: <http://example.org/unused#>" in out  # declared, unused: still the user's
    assert "mscexo" not in out  # the project's prefixes only for namespaces the file uses


def test_literal_lexical_forms_are_kept(tmp_path):
    f = write(tmp_path / "lex.ttl", USER_TTL)
    base = f.as_uri()
    before = triples(f, base)
    assert run("fmt", "lex.ttl", cwd=tmp_path).returncode == 0
    assert triples(f, base) == before
    out = f.read_text()
    assert "007" in out and '"1"^^xsd:boolean' in out and '"12"^^xsd:decimal' in out and "1.5E3" in out
    assert "@en-GB" in out


def test_relative_iris_stay_relative(tmp_path):
    (tmp_path / "sub").mkdir()
    f = write(tmp_path / "sub" / "rel.ttl", USER_TTL)
    base = f.as_uri()
    before = triples(f, base)
    assert run("fmt", "sub/rel.ttl", cwd=tmp_path).returncode == 0
    out = f.read_text()
    assert "file:" not in out and str(tmp_path) not in out
    assert "<other.ttl#x>" in out and "<../up/there>" in out and "<>" in out
    assert triples(f, base) == before
    # Relative means relative: moved elsewhere, the file still reads as it did before the move.
    moved = tmp_path / "a" / "b" / "rel.ttl"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(f.read_bytes())
    write(tmp_path / "a" / "b" / "orig.ttl", USER_TTL)
    assert triples(moved, moved.as_uri()) == triples(tmp_path / "a" / "b" / "orig.ttl", moved.as_uri())


def test_base_is_kept(tmp_path):
    f = write(tmp_path / "based.ttl", "@base <http://example.org/data/> .\n"
              "@prefix ex: <http://example.org/ns#> .\n<thing> ex:rel <other> .\n")
    before = triples(f, "http://unused.example/")
    assert run("fmt", "based.ttl", cwd=tmp_path).returncode == 0
    out = f.read_text()
    assert "BASE <http://example.org/data/>" in out and "<thing>" in out
    assert triples(f, "http://unused.example/") == before


def test_a_symlink_stays_a_link_and_its_target_is_formatted(tmp_path):
    target = write(tmp_path / "real.ttl", USER_TTL)
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "link.ttl"
    link.symlink_to(target)
    base = target.as_uri()
    before = triples(target, base)
    p = run("fmt", "links/link.ttl", cwd=tmp_path)
    assert p.returncode == 0 and "reformatted: links/link.ttl" in p.stdout, p.stderr
    assert link.is_symlink() and link.resolve() == target
    assert target.read_bytes() != USER_TTL.encode() and "PREFIX ex:" in target.read_text()
    assert triples(target, base) == before  # relative IRIs stay relative to the target's folder


@pytest.mark.parametrize("encoding", ["gbk", "latin-1"])
def test_a_file_that_is_not_utf8_is_refused(tmp_path, encoding):
    text = '@prefix ex: <http://example.org/> .\nex:a ex:label "软骨 café" .\n' if encoding == "gbk" \
        else '@prefix ex: <http://example.org/> .\nex:a ex:label "café" .\n'
    f = tmp_path / "legacy.ttl"
    f.write_bytes(text.encode(encoding))
    before = f.read_bytes()
    p = run("fmt", "legacy.ttl", cwd=tmp_path)
    assert p.returncode == 2
    line = one_error_line(p)
    assert line.startswith("error: legacy.ttl: not UTF-8 (") and "line 2" in line
    assert f.read_bytes() == before


def test_a_utf8_bom_is_accepted_and_kept(tmp_path):
    f = tmp_path / "bom.ttl"
    f.write_bytes(b"\xef\xbb\xbf" + USER_TTL.encode())
    p = run("fmt", "bom.ttl", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert f.read_bytes().startswith(b"\xef\xbb\xbfPREFIX ")
    assert run("fmt", "--check", "bom.ttl", cwd=tmp_path).returncode == 0


def test_a_full_disk_is_one_line_and_the_file_intact(tmp_path):
    # Bigger than the write limit below, so writing the formatted copy fails with EFBIG.
    f = write(tmp_path / "big.ttl", USER_TTL + f'ex:b ex:text "{"x" * 20000}" .\n')
    before = f.read_bytes()
    p = run("fmt", "big.ttl", cwd=tmp_path, limit_file_size=4096)
    assert p.returncode == 2
    assert one_error_line(p).startswith("error: big.ttl: cannot write (")
    assert f.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["big.ttl"]  # no temporary file left behind


def test_a_read_only_folder_is_one_line_and_the_file_intact(tmp_path, unprivileged):
    """As root (CI) the child drops the capabilities that ignore file permissions, as any user has none."""
    folder = tmp_path / "ro"
    folder.mkdir()
    f = write(folder / "mine.ttl", USER_TTL)
    folder.chmod(0o555)
    try:
        p = run("fmt", "ro/mine.ttl", cwd=tmp_path, **unprivileged)
    finally:
        folder.chmod(0o755)
    assert p.returncode == 2
    assert one_error_line(p).startswith("error: ro/mine.ttl: cannot write (")
    assert f.read_bytes() == USER_TTL.encode() and sorted(x.name for x in folder.iterdir()) == ["mine.ttl"]


def test_output_that_would_not_read_back_the_same_is_refused(tmp_path):
    # IRIs relative to the document before an absolute @base cannot be written relative in one file.
    f = write(tmp_path / "mixed.ttl", "<a> <p> <b> .\n@base <http://example.org/> .\n<c> <p> <d> .\n")
    before = f.read_bytes()
    p = run("fmt", "mixed.ttl", cwd=tmp_path)
    assert p.returncode == 2
    assert one_error_line(p).startswith("error: mixed.ttl: fmt cannot rewrite this file without loss")
    assert f.read_bytes() == before


def test_check_lists_each_file_that_would_change_and_changes_nothing(tmp_path):
    messy = write(tmp_path / "messy.ttl", USER_TTL)
    also = write(tmp_path / "also.ttl", USER_TTL.replace("ex:a", "ex:z"))
    assert run("fmt", "also.ttl", cwd=tmp_path).returncode == 0  # now canonical
    tidy = also.read_bytes()
    p = run("fmt", "--check", "messy.ttl", "also.ttl", cwd=tmp_path)
    assert p.returncode == 1 and p.stdout == "not canonical: messy.ttl\n", p.stdout
    assert messy.read_text() == USER_TTL and also.read_bytes() == tidy
    p = run("fmt", "messy.ttl", "also.ttl", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout == "reformatted: messy.ttl\n"
    assert run("fmt", "--check", "messy.ttl", "also.ttl", cwd=tmp_path).returncode == 0


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_bytes("ex:a ex:b \"caf\xe9\" .\n".encode("latin-1"))
    good = write(tmp_path / "good.ttl", USER_TTL)
    p = run("fmt", "bad.ttl", "good.ttl", cwd=tmp_path)
    assert p.returncode == 2 and "bad.ttl: not UTF-8" in p.stderr
    assert "reformatted: good.ttl" in p.stdout and good.read_text() != USER_TTL


def test_a_syntax_error_names_file_and_line(tmp_path):
    f = write(tmp_path / "broken.ttl", "@prefix ex: <http://example.org/> .\n\nex:a ex:b nope:c .\n")
    p = run("fmt", "broken.ttl", cwd=tmp_path)
    assert p.returncode == 2 and one_error_line(p).startswith("error: broken.ttl:3: ")
    assert f.read_text().endswith("nope:c .\n")


def test_the_projects_files_are_already_canonical_and_stay_byte_identical(tmp_path):
    root = project_root()
    files = [*ontology_files(), *sorted((root / "shapes").glob("*.ttl"))]
    before = {f: f.read_bytes() for f in files}
    p = run("fmt", "--check", *map(str, files), cwd=root)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    # A copy formatted for real comes out byte-identical too.
    copy = tmp_path / "exo-onto.ttl"
    copy.write_bytes(before[files[0]])
    p = run("fmt", "exo-onto.ttl", cwd=tmp_path)
    assert (p.returncode, p.stdout) == (0, "") and copy.read_bytes() == before[files[0]]
    assert all(f.read_bytes() == b for f, b in before.items())
    assert os.path.samefile(files[0], root / "ontology" / "exo-onto.ttl")
