"""The package's front door: the names ``exo_onto`` exports, and what a command imports before it runs.

Both are imported late (a CLI run cost 0.3 s of CPU before it did anything), so each test runs in a
fresh interpreter: what an earlier test imported would hide a name that does not resolve.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import exo_onto

#: Libraries that only some commands need, slow to import (pyshacl and pyLODE pull in much more).
HEAVY = ("pyshacl", "pylode", "pyld", "owlready2", "curies")


def _fresh(code: str) -> str:
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_every_exported_name_is_the_function_or_class_not_a_subpackage():
    """``exo_onto.reason`` is both a function and a subpackage: importing the subpackage must not put the
    module where the function was (it did, when every name was imported late)."""
    code = ("import importlib, pkgutil, exo_onto\n"
            "for m in pkgutil.walk_packages(exo_onto.__path__, 'exo_onto.'):\n"
            "    importlib.import_module(m.name)\n"
            "from exo_onto import *\n"
            "print('\\n'.join(f'{n} {type(getattr(exo_onto, n)).__name__}' for n in exo_onto.__all__))\n")
    kinds = dict(line.split() for line in _fresh(code).splitlines())
    assert set(kinds) == set(exo_onto.__all__)
    assert kinds["reason"] == "function" and kinds["load_graph"] == "function"
    assert [n for n, kind in kinds.items() if kind == "module"] == []


def test_lazy_names_are_the_librarys_own():
    from exo_onto.reason.reasoner import reason
    from exo_onto.shacl.validate import validate_files

    assert exo_onto.reason is reason and exo_onto.validate_files is validate_files
    assert "validate_graph" in dir(exo_onto)
    with pytest.raises(AttributeError, match="no_such_name"):
        exo_onto.no_such_name  # noqa: B018


@pytest.mark.parametrize("args", [["query", "--list"], ["fmt", "--check"], ["stats"]])
def test_a_command_imports_only_the_libraries_of_its_own_job(args):
    code = ("import sys\nfrom exo_onto.cli import main\n"
            f"try:\n    main({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    assert _fresh(code).splitlines()[-1] == ""


def test_help_lists_every_command_module(cli):
    """Commands are found by their module's name, so help lists each one without importing the others first."""
    from exo_onto.cli import commands

    modules = sorted(f.stem for f in Path(commands.__path__[0]).glob("*.py") if not f.stem.startswith("_"))
    r = cli("--help")
    listed = [line.split()[0] for line in r.out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == modules and len(modules) == 13
    assert all(cli(name, "--help").code == 0 for name in ("query", "serve"))
