"""Command-line interface: a thin layer over the library (``exo_onto``).

Each command lives in its own module under ``exo_onto.cli.commands``, named as the command, and exposes
a click command named ``command``; this group discovers them, so adding a command touches no shared file.
A command's module is imported only when that command runs (or help lists them all): each one pulls in
the libraries of its own job, and ``exo-onto query`` should not wait for pyLODE or pyshacl to import.
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


class _Commands(click.Group):
    """The modules of ``exo_onto.cli.commands`` as commands, each imported when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        return importlib.import_module(f"{commands.__name__}.{cmd_name}").command


@click.group(cls=_Commands)
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


if __name__ == "__main__":  # pragma: no cover
    main()
