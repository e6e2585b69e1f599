"""Hostile output folders (issue 11): `build` and `docs` never destroy what exo-onto did not make.

Every input is made in tmp_path: a copy of the project (``EXO_ONTO_HOME`` points at it), a fake
checkout whose ontology does not even parse (a refusal that came after reading the project would show
that parse error instead, so these tests also prove the refusals come before any work), a user's
folder with ``thesis.docx``. The CLI runs as a user runs it; afterwards every file under tmp_path is
compared byte for byte, no output holds a traceback, and the exit status is the documented one: 2 for
an output folder exo-onto may not or cannot write (one line on stderr), 1 for a graph it refuses.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import Result, copy_project, exo_onto_exe, run, snapshot
from exo_onto.io.load import TurtleError
from exo_onto.io.write import MARKER, OutputBusy, OutputError, claim_output, never_replaced, write_folder_atomic
from exo_onto.publish.docs import build_docs
from exo_onto.publish.release import build

THESIS = bytes(range(256)) * 64  # a user's document: binary, not ours


def no_traceback(r: Result) -> None:
    assert "Traceback" not in r.out + r.err, r.err


def refused(r: Result, *words: str, code: int = 2) -> str:
    """The documented refusal: exit ``code``, one line on stderr naming the problem, no traceback."""
    no_traceback(r)
    assert r.code == code, (r.code, r.out, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("error: "), r.err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def marked(folder: Path, files: dict[str, bytes]) -> Path:
    """A folder exactly as exo-onto leaves it: its files and the marker listing them."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / MARKER).write_text("# exo-onto output folder\n" + "".join(f"{n}\n" for n in sorted(files)))
    return folder


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    """A checkout whose TBox does not parse, beside a user's folder holding thesis.docx."""
    root = tmp_path / "fake"
    for d in (".git", "ontology/kg", "shapes", "queries"):
        (root / d).mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "ontology" / "exo-onto.ttl").write_text("this is not Turtle .\n")
    (root / "shapes" / "s.ttl").write_text("# shapes\n")
    (root / "queries" / "q.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'fake'\n")
    (root / "notes.txt").write_text("uncommitted\n")
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "thesis.docx").write_bytes(THESIS)
    return root


def parse_error_absent(r: Result) -> None:
    """The fake TBox was never read: the refusal came before any work."""
    assert "exo-onto.ttl" not in r.err and "not Turtle" not in r.err, r.err


# --- folders never replaced, folders not ours --------------------------------------------------------

REFUSALS = [
    (".", "the current folder"),
    ("ontology", "the project's ontology/"),
    ("shapes", "the project's shapes/"),
    ("queries", "the project's queries/"),
    ("..", "holds the current folder"),
    (".git", "a .git folder"),
    (".git/release", "a .git folder or inside one"),
    ("ontology/kg", "inside the project's ontology/"),
    ("ontology/new", "inside the project's ontology/"),
    ("../user", "exo-onto did not make it"),
    ("../user/thesis.docx", "is a file"),
]


@pytest.mark.parametrize("command", ["build", "docs"])
@pytest.mark.parametrize(("out", "why"), REFUSALS)
def test_refuses_the_checkout_its_sources_and_a_users_folder(fake, tmp_path, command, out, why):
    before = snapshot(tmp_path)
    r = run(command, "--out", out, cwd=fake, home=fake)
    line = refused(r, why)
    assert out in line
    parse_error_absent(r)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["build", "docs"])
def test_never_even_when_marked(fake, tmp_path, command):
    """A marker does not make the project root, its sources, a repository, home or a parent of the
    current folder replaceable: someone may have copied a marker there."""
    other_repo = tmp_path / "other-repo"
    (other_repo / ".git").mkdir(parents=True)
    home = tmp_path / "h" / "home"
    home.mkdir(parents=True)
    deep = tmp_path / "work" / "deep"
    deep.mkdir(parents=True)
    for folder in (fake, fake / "ontology", other_repo, home, tmp_path / "work"):
        (folder / MARKER).write_text("# exo-onto output folder\n")
    before = snapshot(tmp_path)
    cases = [
        (fake, tmp_path, "the project's root"),
        (fake / "ontology", tmp_path, "the project's ontology/"),
        (other_repo, tmp_path, "holds .git"),
        (home, tmp_path, "your home folder"),
        (tmp_path / "h", tmp_path, "holds your home folder"),
        (tmp_path / "work", deep, "holds the current folder"),
    ]
    for out, cwd, why in cases:
        r = run(command, "--out", str(out), cwd=cwd, home=fake, env={"HOME": str(home)})
        refused(r, why, str(out))
        parse_error_absent(r)
    assert snapshot(tmp_path) == before


def test_filesystem_root_and_home_are_never_replaced(tmp_path, monkeypatch):
    """Checked through the library: a test must not risk running a build into / or the real home."""
    assert never_replaced("/") == "it is the filesystem root"
    assert never_replaced(Path.home()) == "it is your home folder"
    assert never_replaced(Path.cwd()) == "it is the current folder"
    monkeypatch.setenv("HOME", str(tmp_path / "h" / "home"))
    assert never_replaced(str(tmp_path / "h" / "home")) == "it is your home folder"
    assert never_replaced(str(tmp_path / "h")).startswith("it holds your home folder")


@pytest.mark.parametrize("command", ["build", "docs"])
def test_symlinks_are_followed_to_what_they_name(fake, tmp_path, command):
    (tmp_path / "to-user").symlink_to(tmp_path / "user")
    (tmp_path / "to-checkout").symlink_to(fake)
    before = snapshot(tmp_path)
    refused(run(command, "--out", str(tmp_path / "to-user"), cwd=tmp_path, home=fake), "did not make it")
    refused(run(command, "--out", str(tmp_path / "to-checkout"), cwd=tmp_path, home=fake), "the project's root")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["build", "docs"])
def test_refuses_a_marked_folder_holding_a_users_file(fake, tmp_path, command):
    """The marker lists what exo-onto wrote; anything else in the folder is the user's and stops it."""
    rel = marked(tmp_path / "rel", {"exo-onto.ttl": b"old release\n"})
    (rel / "thesis.docx").write_bytes(THESIS)
    stray_dir = marked(tmp_path / "rel2", {"index.html": b"<p>old</p>\n"})
    (stray_dir / "drafts").mkdir()
    (stray_dir / "drafts" / "chapter1.md").write_text("my chapter\n")
    before = snapshot(tmp_path)
    refused(run(command, "--out", "rel", cwd=tmp_path, home=fake), "thesis.docx", "did not write")
    refused(run(command, "--out", "rel2", cwd=tmp_path, home=fake), "drafts/", "did not write")
    assert snapshot(tmp_path) == before


def test_rejects_bad_wait_values_as_usage_errors(fake, tmp_path):
    before = snapshot(tmp_path)
    for value in ("-1", "nan", "inf", "soon"):
        r = run("build", "--out", "rel", "--wait", value, cwd=tmp_path, home=fake)
        no_traceback(r)
        assert r.code == 2, (value, r.err)
        assert "--wait" in r.err
    assert snapshot(tmp_path) == before


# --- unwritable places: reported before the work, in one line ---------------------------------------


@pytest.mark.parametrize("command", ["build", "docs"])
def test_unwritable_places_are_reported_first(fake, tmp_path, command):
    before = snapshot(tmp_path)
    r = run(command, "--out", "../user/thesis.docx/release", cwd=fake, home=fake)
    refused(r, "thesis.docx", "Not a directory")
    parse_error_absent(r)
    if Path("/sys").is_dir():  # a place no one may write, root included
        r = run(command, "--out", "/sys/exo-onto-hostile-test/release", cwd=fake, home=fake)
        refused(r, "/sys")
        parse_error_absent(r)
        assert not os.path.lexists("/sys/exo-onto-hostile-test")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["build", "docs"])
def test_a_folder_without_write_permission_is_reported_first(fake, tmp_path, unprivileged, command):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "keep.txt").write_text("mine\n")
    locked.chmod(0o555)
    try:
        before = snapshot(tmp_path)
        r = run(command, "--out", str(locked / "release"), cwd=fake, home=fake, **unprivileged)
        refused(r, str(locked), "Permission denied")
        parse_error_absent(r)
        assert snapshot(tmp_path) == before
    finally:
        locked.chmod(0o755)


# --- one writer at a time -----------------------------------------------------------------------------


def test_a_second_writer_refuses_cleanly_when_the_folder_is_busy(fake, tmp_path):
    before = snapshot(tmp_path / "user")
    with claim_output(tmp_path / "rel", wait=0):
        r = run("build", "--out", "rel", "--wait", "0", cwd=tmp_path, home=fake)
        refused(r, "another exo-onto", f"pid {os.getpid()}")
        parse_error_absent(r)
        r = run("docs", "--out", "rel", "--wait", "1", cwd=tmp_path, home=fake)
        no_traceback(r)
        assert r.code == 2
        waiting, error = r.err.splitlines()
        assert waiting.startswith("waiting up to 1 s for another exo-onto")
        assert error.startswith("error: ") and "gave up after 1 s" in error
        assert r.seconds >= 1
    assert snapshot(tmp_path / "user") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake", "user"]  # no lock, no staging left


def test_a_second_writer_waits_then_writes(tmp_path):
    project = copy_project(tmp_path / "checkout")
    holder = claim_output(project / "site", wait=0)
    holder.__enter__()
    proc = subprocess.Popen([exo_onto_exe(), "docs", "--out", "site", "--wait", "120"], cwd=project, text=True,
                            env={**os.environ, "EXO_ONTO_HOME": str(project)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        first = proc.stderr.readline()
        assert first.startswith("waiting up to 120 s for another exo-onto"), first
        assert not (project / "site").exists()
    finally:
        holder.__exit__(None, None, None)
        out, err = proc.communicate(timeout=300)
        watchdog.cancel()
    assert "Traceback" not in out + err
    assert proc.returncode == 0, err
    assert (project / "site" / "findings.html").is_file()
    assert (project / "site" / MARKER).is_file()


_WRITER = """
import sys
from exo_onto.io.write import write_folder_atomic
me = sys.argv[1]
for i in range(int(sys.argv[2])):
    body = f"{me}-{i}".encode() * 5000
    write_folder_atomic({"a.txt": body, "b.txt": body, "sub/c.txt": body}, "out", wait=120)
"""


def test_concurrent_writers_take_turns_and_the_folder_never_vanishes(tmp_path):
    """Before: OSError 39 / FileNotFoundError, and the folder briefly missing."""
    (tmp_path / "neighbour.txt").write_text("keep\n")
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, f"w{n}", "15"], cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(4)]
    out = tmp_path / "out"
    seen = missing = 0
    while any(p.poll() is None for p in procs):
        if seen:
            if not out.is_dir():
                missing += 1
        elif out.is_dir():
            seen = 1
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    assert all("Traceback" not in o + e for o, e in results), results
    assert missing == 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert names == [MARKER, "a.txt", "b.txt", "sub", "sub/c.txt"]
    assert (out / "a.txt").read_bytes() == (out / "b.txt").read_bytes() == (out / "sub" / "c.txt").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbour.txt", "out"]  # no lock, no staging


def test_concurrent_threads_of_one_process_take_turns(tmp_path):
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                write_folder_atomic({"a.txt": f"{n}-{i}".encode()}, tmp_path / "out", wait=60)
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARKER, "a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staging_left_by_kill_9_is_cleaned_by_the_next_run(tmp_path):
    project = copy_project(tmp_path / "checkout")
    foreign = project / ".rel.exo-onto-tmp-mine"  # our prefix, but no marker: not ours, kept
    foreign.mkdir()
    (foreign / "mine.txt").write_text("mine\n")
    proc = subprocess.Popen([exo_onto_exe(), "build", "--out", "rel"], cwd=project,
                            env={**os.environ, "EXO_ONTO_HOME": str(project)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    staging: list[Path] = []
    while time.monotonic() < deadline and not staging and proc.poll() is None:
        staging = [p for p in project.glob(".rel.exo-onto-tmp-*") if p != foreign]
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert staging, "the build never made its staging folder"
    assert all(p.exists() for p in staging)
    assert (project / ".rel.exo-onto-lock").exists()
    assert not (project / "rel").exists()
    r = run("docs", "--out", "rel", cwd=project, home=project)
    no_traceback(r)
    assert r.code == 0, r.err
    assert not any(p.exists() for p in staging)
    assert not (project / ".rel.exo-onto-lock").exists()
    assert (foreign / "mine.txt").read_text() == "mine\n"
    assert (project / "rel" / "findings.html").is_file()


# --- disk full: one line, the previous folder intact -----------------------------------------------


def _file_size_limit(nbytes: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))  # Python ignores SIGXFSZ: writes fail EFBIG
    return limit


def test_disk_full_under_the_reasoner_is_one_line(tmp_path):
    """HermiT reads the graph from a temporary file: a full /tmp used to be an OSError traceback."""
    project = copy_project(tmp_path / "checkout")
    before = snapshot(tmp_path)
    r = run("build", "--out", "rel", cwd=project, home=project, preexec_fn=_file_size_limit(400_000))
    refused(r, "File too large")
    assert snapshot(tmp_path) == before


# --- the project's own build, shared by the tests below -------------------------------------------


def test_the_release_is_marked_and_keeps_the_docs_inside_it(released):
    project, docs_files, built = released
    no_traceback(built)
    release = project / "release"
    listed = (release / MARKER).read_text().splitlines()
    assert "exo-onto-full.owl" in listed and "void.ttl" in listed
    assert snapshot(release / "docs") == docs_files  # as `cargo build` keeps target/doc
    assert sorted(p.name for p in project.iterdir()) == [".git", "notes.md", "ontology", "pyproject.toml",
                                                         "queries", "release", "shapes"]


def test_the_command_writes_the_docs_the_library_writes(released, docs):
    """`exo-onto docs` in a copy of the checkout, in a process with another hash seed, writes the bytes the
    library's build_docs writes in this one: the pages depend on the sources alone."""
    _, docs_files, _ = released
    library = snapshot(docs)
    assert {"ontology.en.html", "ontology.zh.html", "findings.html", "mechanism.en.svg", "mechanism.zh.svg",
            "mechanism.en.png", "mechanism.zh.png", MARKER} <= set(library)
    assert sorted(docs_files) == sorted(library)
    assert [n for n in library if docs_files[n] != library[n]] == []


def test_docs_again_replaces_only_the_docs(released):
    project, _, _ = released
    release_files = {k: v for k, v in snapshot(project / "release").items() if not k.startswith("docs")}
    r = run("docs", cwd=project, home=project)
    no_traceback(r)
    assert r.code == 0, r.err
    after = {k: v for k, v in snapshot(project / "release").items() if not k.startswith("docs")}
    assert after == release_files
    assert (project / "release" / "docs" / "findings.html").is_file()


def test_a_file_added_to_the_release_stops_the_next_build(released):
    project, _, _ = released
    (project / "release" / "thesis.docx").write_bytes(THESIS)
    (project / "release" / "docs" / "notes.txt").write_text("mine\n")
    try:
        before = snapshot(project)
        refused(run("build", cwd=project, home=project), "release", "thesis.docx")
        refused(run("docs", cwd=project, home=project), "docs", "notes.txt")
        assert snapshot(project) == before
    finally:
        (project / "release" / "thesis.docx").unlink()
        (project / "release" / "docs" / "notes.txt").unlink()


def test_disk_full_while_writing_docs_keeps_the_previous_docs(released):
    """The docs the shared build wrote are the previous ones (one docs run fewer than a checkout of its own)."""
    project, _, _ = released
    before = snapshot(project)
    r = run("docs", cwd=project, home=project, preexec_fn=_file_size_limit(200_000))
    refused(r, "docs", "could not write", "File too large", "previous folder is unchanged")
    assert snapshot(project) == before


def test_disk_full_while_writing_the_release_keeps_the_previous_release(released):
    """Without Java the build reasons with OWL 2 RL and writes nothing but the release: the write fails."""
    project, _, _ = released
    before = snapshot(project)
    r = run("build", cwd=project, home=project, env={"EXO_ONTO_JAVA": ""}, preexec_fn=_file_size_limit(400_000))
    refused(r, "release", "could not write", "File too large", "previous folder is unchanged")
    assert snapshot(project) == before


# --- the build gate ------------------------------------------------------------------------------------


def test_build_refuses_a_graph_with_shacl_violations(tmp_path):
    project = copy_project(tmp_path / "checkout")
    (project / "ontology" / "kg" / "zz-edit.ttl").write_text(
        "@prefix mscexo: <https://w3id.org/exo-onto/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'mscexo:finding-1.3-01 rdfs:label "A second English label"@en .\n', encoding="utf-8")
    previous = marked(project / "release", {"exo-onto-full.ttl": b"the previous release\n"})
    before = snapshot(tmp_path)
    r = run("build", cwd=project, home=project)
    line = refused(r, "SHACL", "violation", "finding-1.3-01", code=1)
    assert "exo-onto validate" in line
    assert snapshot(tmp_path) == before
    assert (previous / "exo-onto-full.ttl").read_bytes() == b"the previous release\n"


# --- the library takes str or Path -------------------------------------------------------------------


def test_library_functions_take_str_paths(tmp_path):
    write_folder_atomic({"a.txt": b"1"}, str(tmp_path / "out"))
    assert (tmp_path / "out" / "a.txt").read_bytes() == b"1"
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "thesis.docx").write_bytes(THESIS)
    with pytest.raises(OutputError, match="did not make it"):
        build(str(tmp_path / "user"))
    with pytest.raises(OutputError, match="did not make it"):
        build_docs(str(tmp_path / "user"))
    assert (tmp_path / "user" / "thesis.docx").read_bytes() == THESIS
    broken = tmp_path / "broken.ttl"
    broken.write_text("not Turtle\n")
    with pytest.raises(TurtleError) as info:
        build(str(tmp_path / "rel"), files=str(broken))  # one file, not its characters
    assert str(broken) in str(info.value)
    assert not (tmp_path / "rel").exists()
    with pytest.raises(OutputBusy), claim_output(str(tmp_path / "out"), wait=0):
        write_folder_atomic({"a.txt": b"2"}, tmp_path / "out", wait=0)
    with pytest.raises(ValueError):
        claim_output(tmp_path / "out", wait=math.nan)
