"""Shared terminal output for commands: the one error style, step lines and the one-screen summary."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from exo_onto.io.write import one_line
from exo_onto.pipeline.check import CheckReport, StepResult


def echo_step(step: StepResult) -> None:
    mark = click.style("ok  ", fg="green") if step.ok else click.style("FAIL", fg="red")
    click.echo(f"[{mark}] {step.name}: {step.summary}")
    for line in step.details:
        click.echo(f"       {line}")


def echo_summary(report: CheckReport) -> None:
    c = report.counts
    click.echo("")
    if c:
        click.echo(
            f"classes {c.classes} | object properties {c.object_properties} | "
            f"datatype properties {c.datatype_properties} | annotation properties "
            f"{c.annotation_properties} | individuals {c.individuals} | triples {c.triples}"
        )
    failed = [s.name for s in report.steps if not s.ok]
    if failed:
        click.echo(click.style(f"verdict: FAILED ({', '.join(failed)})", fg="red"))
    else:
        click.echo(click.style("verdict: OK", fg="green"))


def fail(error: object, status: int = 2) -> NoReturn:
    """Every command's error: one line on stderr (``error: …``, control characters escaped), then the exit
    status (2: could not run as asked; 1: the checked thing is wrong)."""
    click.echo(f"error: {one_line(str(error))}", err=True)
    sys.exit(status)


def fail_on_os_error(exc: OSError) -> NoReturn:
    """A disk that is full or a file that cannot be read, outside the output folder: one line, exit 2.

    A library's half-written temporary file fails again as it is finalised; that is the same error,
    already reported, so it is not printed a second time as a traceback.
    """
    where = f"{exc.filename}: " if exc.filename else ""
    sys.unraisablehook = lambda _: None
    fail(where + (exc.strerror or str(exc)))
