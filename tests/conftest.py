"""Shared fixtures: the project's graph and reasoner report are built once per test session."""

from __future__ import annotations

import csv
import ctypes
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph

from exo_onto import load_graph, reason
from exo_onto.io.load import load_ontology, parse_turtle
from exo_onto.paths import project_root, reference_dir, tbox_path

ROOT = project_root()
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def graph() -> Graph:
    return load_graph()


@pytest.fixture(scope="session")
def tbox() -> Graph:
    """The TBox file itself (its header, its imports)."""
    return parse_turtle(tbox_path())


@pytest.fixture(scope="session")
def ontology() -> Graph:
    """The whole ontology a user opens: the TBox with its import modules and bridge, one header."""
    return load_ontology()


@pytest.fixture(scope="session")
def hermit_report(graph):
    if shutil.which("java") is None:
        pytest.fail("Java is required for the HermiT tests (install OpenJDK 17, as .ci/run does)")
    return reason(graph)


@pytest.fixture(scope="session")
def verified_xrefs() -> dict[str, str]:
    """CURIE -> IRI of every external identifier marked verified in the copied reference tables."""
    out = {}
    for name in ("xrefs.tsv", "xrefs-supplement.tsv"):
        with open(reference_dir() / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row["status"] == "verified" and row["curie"]:
                    out[row["curie"]] = row["iri"]
    return out


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float = 0.0


#: A hash seed other than this process's: the commands' output must not depend on it.
OTHER_SEED = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"


def run(*args: str, cwd: Path, home: Path, env: dict[str, str] | None = None, timeout: float = 600,
        **kwargs) -> Result:
    """``exo-onto ARGS`` in ``cwd`` with the project at ``home``, as a user runs it."""
    full_env = {**os.environ, "EXO_ONTO_HOME": str(home), **(env or {})}
    start = time.monotonic()
    p = subprocess.run([exo_onto_exe(), *args], capture_output=True, text=True, env=full_env, cwd=cwd,
                       timeout=timeout, **kwargs)
    return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - start)


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: bytes of files, targets of links, and the folders (hidden ones too)."""
    out: dict[str, object] = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(top) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


def copy_project(dest: Path) -> Path:
    """A checkout of the project to run against: its sources, a .git and an uncommitted note."""
    dest.mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / ".git").mkdir()
    (dest / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (dest / "notes.md").write_text("uncommitted work\n")
    return dest


def exo_onto_exe() -> str:
    """The installed console script, as a user would run it."""
    exe = Path(sys.executable).with_name("exo-onto")
    return str(exe) if exe.exists() else shutil.which("exo-onto") or "exo-onto"


@pytest.fixture
def cli():
    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        p = subprocess.run(
            [exo_onto_exe(), *args], capture_output=True, text=True, env=full_env, cwd=cwd or ROOT,
            timeout=600,
        )
        return Result(p.returncode, p.stdout, p.stderr)

    return run


def without_root_overrides() -> None:
    """Drop the capabilities that let root write anywhere (CAP_DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER)
    from the child's bounding set: after exec it is subject to file permissions like any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def unprivileged() -> dict:
    """How to run the CLI so that a folder without write permission is one (root ignores permissions)."""
    if os.geteuid() != 0:
        return {}
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=without_root_overrides, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root without the right to drop capabilities")
    return {"preexec_fn": without_root_overrides}


# --- shared by the browser and docs tests: one Chromium and one documentation build per session ---------

#: How the tests start Debian's Chromium headless on this closed network (no background connections).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is needed for this test (scripts/ensure-system-deps.sh installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True, timeout=60_000)
        yield b
        b.close()


#: The finding the earlier version (:func:`earlier_version`) says the opposite direction of.
FLIPPED_FINDING = "https://w3id.org/exo-onto/finding-1.2-07"


@pytest.fixture(scope="session")
def earlier_version(tmp_path_factory) -> Path:
    """An earlier version of the graph, as a curator's file: the project's, with finding-1.2-07's direction
    flipped. Every release the tests build compares with it, so each carries a CHANGES.md."""
    from rdflib import URIRef

    g = load_graph()
    finding, direction = URIRef(FLIPPED_FINDING), URIRef("https://w3id.org/exo-onto/direction")
    [was] = g.objects(finding, direction)
    g.set((finding, direction, URIRef("https://w3id.org/exo-onto/" +
                                      ("Decreased" if str(was).endswith("Increased") else "Increased"))))
    path = tmp_path_factory.mktemp("earlier") / "earlier.ttl"
    path.write_text(g.serialize(format="turtle"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def release_build(tmp_path_factory, earlier_version):
    """One release build (the library's ``build``, with ``previous``) for every test that reads a release:
    (folder, report). Tests only read it; the CLI build and builds into a user's folder have their own tests."""
    from exo_onto.publish.release import build

    out = tmp_path_factory.mktemp("release") / "release"
    return out, build(out, previous=earlier_version)


@pytest.fixture(scope="session")
def released(tmp_path_factory, earlier_version):
    """``exo-onto docs`` then ``exo-onto build --previous`` in a checkout, as a user runs them, each in a process
    with another hash seed than this one: (checkout, the docs' files, the build's result); release/docs inside
    release/. Shared by the tests of the commands' output (test_hostile_output) and of the release (test_build,
    which compares it byte for byte with the library's build of :func:`release_build`)."""
    project = copy_project(tmp_path_factory.mktemp("released") / "checkout")
    seed = {"PYTHONHASHSEED": OTHER_SEED}
    docs = run("docs", cwd=project, home=project, env=seed)
    assert docs.code == 0, docs.err
    docs_files = snapshot(project / "release" / "docs")
    built = run("build", "--previous", str(earlier_version), cwd=project, home=project, env=seed)
    assert built.code == 0, built.err
    return project, docs_files, built


@pytest.fixture(scope="session")
def docs(tmp_path_factory):
    """One build of the documentation (pyLODE pages, findings page, pictures) for every test that reads it."""
    from exo_onto.publish.docs import build_docs

    out = tmp_path_factory.mktemp("docs") / "docs"
    build_docs(out)
    return out
