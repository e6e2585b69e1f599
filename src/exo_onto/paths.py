"""Where the project's files live.

The Turtle files are data, not package code: they are found in the repository checkout
(``EXO_ONTO_HOME`` overrides), so an editable install and a notebook see the same files.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The TBox: the project's own classes, properties and vocabulary individuals, and the ontology header
#: that ``owl:imports`` the import modules and the bridge.
TBOX_NAME = "exo-onto.ttl"
#: The bridge component: the axioms that tie external terms to the project's classes (local parents).
BRIDGE_NAME = "exo-onto-bridge.ttl"


def project_root() -> Path:
    """The checkout holding ``ontology/``: ``$EXO_ONTO_HOME`` or the repository around this package."""
    env = os.environ.get("EXO_ONTO_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ontology").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def ontology_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "ontology"


def shapes_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "shapes"


def queries_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "queries"


def tbox_path(root: Path | None = None) -> Path:
    return ontology_dir(root) / TBOX_NAME


def imports_dir(root: Path | None = None) -> Path:
    """The import modules (ODK ``imports/``): one ``<source>_import.ttl`` per source ontology."""
    return ontology_dir(root) / "imports"


def import_module_files(root: Path | None = None) -> list[Path]:
    """Every import module, sorted by name."""
    return sorted(imports_dir(root).glob("*_import.ttl"))


def bridge_path(root: Path | None = None) -> Path:
    return ontology_dir(root) / "bridge" / BRIDGE_NAME


def tbox_files(root: Path | None = None) -> list[Path]:
    """The ontology without the knowledge graph, as Protégé opens it through ``owl:imports``: the TBox
    first, then the import modules sorted by name, then the bridge (when it exists)."""
    bridge = bridge_path(root)
    return [tbox_path(root), *import_module_files(root), *([bridge] if bridge.is_file() else [])]


def kg_dir(root: Path | None = None) -> Path:
    """The knowledge graph proper: the review, its cited works and its findings."""
    return ontology_dir(root) / "kg"


def ontology_files(root: Path | None = None) -> list[Path]:
    """Every Turtle file of the graph: :func:`tbox_files` (the TBox first, its import modules, the bridge),
    then ``kg/*.ttl`` sorted by name."""
    return [*tbox_files(root), *sorted(kg_dir(root).glob("*.ttl"))]


def source_text_path(root: Path | None = None) -> Path:
    """The pinned copy of the review's Chinese text that every span points into."""
    return ontology_dir(root) / "source" / "review.zh.txt"


def reference_dir(root: Path | None = None) -> Path:
    """Verified external identifiers and bibliography, copied into the repo with their notes."""
    return ontology_dir(root) / "reference"
