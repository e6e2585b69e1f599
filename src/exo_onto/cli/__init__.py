"""Command-line interface: a thin layer over the library (``exo_onto``).

Each command lives in its own module under ``exo_onto.cli.commands`` and exposes a click command
named ``command``; this group discovers them, so adding a command touches no shared file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import warnings

import click

from exo_onto import __version__
from exo_onto.cli import commands


@click.group()
@click.version_option(__version__, prog_name="exo-onto")
def main() -> None:
    """exo-onto: the MSC-exosome cartilage-repair ontology and knowledge graph."""
    quiet_libraries()


def quiet_libraries() -> None:
    """rdflib logs a traceback for every ill-typed literal it reads ("abc"^^xsd:integer) and warns about odd
    booleans; the commands report such literals themselves, in one line, so the terminal gets no traceback."""
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", module=r"rdflib(\..*)?$")
    sys.unraisablehook = _one_line_unraisable


def _one_line_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """A library's temporary file that cannot be flushed at exit (a full disk) is one line, not a traceback."""
    click.echo(f"warning: {' '.join(str(unraisable.exc_value).split())}", err=True)


for _info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        main.add_command(importlib.import_module(f"{commands.__name__}.{_info.name}").command)


if __name__ == "__main__":  # pragma: no cover
    main()
