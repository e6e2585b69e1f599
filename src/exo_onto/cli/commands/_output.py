"""Shared terminal output for commands: step lines and the one-screen summary."""

from __future__ import annotations

import click

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
