"""Benchmark the naive stack against the project's path on the grown graph (issue 7).

    .venv/bin/python benchmarks/run.py [--max-size N] [--out benchmarks/results.md]

Every measurement runs in a fresh child process (this script with ``--child``), so the peak
memory reported is that child's own ``ru_maxrss`` (and of its children, e.g. HermiT's JVM) and
one step's garbage cannot slow the next; a child that exceeds ``--timeout`` is killed and
reported as ``timeout``. Only the step itself is timed (not imports or loading the input).

Steps, "naive" vs "chosen" (the project's path):

* load — rdflib parsing the N-Triples vs pyoxigraph bulk load;
* SHACL — ``validate_graph``: naive is pyshacl with every shape (``fast=False``, the oracle); chosen
  runs the SHACL-SPARQL shapes on Oxigraph and the core shapes in pyshacl (``exo_onto.shacl_fast``);
  sizes above ``--naive-max-size`` skip the naive side;
* reason — HermiT via owlready2 (the project's only reasoner path), sizes ≤ 10 only;
* queries — every stored query, summed: rdflib's engine vs pyoxigraph;
* check — ``run_check`` on the generated file (the project's pipeline; no naive twin).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from generate import ensure_graph

SIZES = (1, 10, 100, 1000)
STEPS = ("load", "shacl", "reason", "queries", "check")
TITLES = {"load": "load", "shacl": "SHACL¹", "reason": "reason²", "queries": "queries", "check": "check³"}
REASON_MAX_SIZE = 10


# --- the child: one measurement ---------------------------------------------------------------

def _rdflib_graph(path: str):
    from rdflib import Graph

    return Graph().parse(path, format="nt")


def _oxigraph_store(path: str):
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
    return store


def measure(step: str, engine: str, path: str) -> float:
    """Seconds taken by ``step`` on ``engine`` for the graph in ``path`` (setup not timed)."""
    if step == "load":
        load = _rdflib_graph if engine == "naive" else _oxigraph_store
        start = time.perf_counter()
        load(path)
        return time.perf_counter() - start
    if step in ("shacl", "reason"):
        from exo_onto.reasoning import reason
        from exo_onto.validation import load_shapes, validate_graph

        graph = _rdflib_graph(path)
        shapes = load_shapes() if step == "shacl" else None
        start = time.perf_counter()
        if step == "shacl":
            validate_graph(graph, shapes=shapes, fast=(engine == "chosen"))
        else:
            reason(graph)
        return time.perf_counter() - start
    if step == "queries":
        from exo_onto.querying import list_queries, resolve_bindings, run_embedded, run_rdflib

        queries = list_queries()
        target = _rdflib_graph(path) if engine == "naive" else _oxigraph_store(path)
        start = time.perf_counter()
        for q in queries:
            if engine == "naive":
                run_rdflib(q, target, resolve_bindings(q))
            else:
                run_embedded(q, resolve_bindings(q), target)
        return time.perf_counter() - start
    if step == "check":
        from exo_onto.check import run_check

        start = time.perf_counter()
        run_check([Path(path)])
        return time.perf_counter() - start
    raise ValueError(f"unknown step {step!r}")


def _child(step: str, engine: str, path: str) -> None:
    seconds = measure(step, engine, path)
    kib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(json.dumps({"s": seconds, "mb": kib / 1024}))


# --- the parent: sizes × steps ----------------------------------------------------------------

def run_child(step: str, engine: str, path: Path, timeout: float) -> dict:
    """Run one measurement in a fresh process; ``{"s", "mb"}`` or ``{"status": "timeout"|"error"}``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", step, engine, str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: HermiT's JVM too
        proc.communicate()
        return {"status": "timeout"}
    if proc.returncode != 0:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        print(f"    {step}/{engine} failed: {tail}", file=sys.stderr)
        return {"status": "error"}
    return json.loads(out.strip().splitlines()[-1])


def plan(step: str, size: int, naive_max_size: int) -> dict[str, str]:
    """What to run per engine: 'run', 'same' (shares the chosen measurement), or a status to print."""
    if step == "load":
        return {"naive": "run", "chosen": "run"}
    if step == "shacl":
        return {"naive": "run" if size <= naive_max_size else "skipped", "chosen": "run"}
    if step == "reason":
        return {"naive": "same", "chosen": "run"} if size <= REASON_MAX_SIZE else {"naive": "—", "chosen": "—"}
    if step == "queries":
        return {"naive": "run" if size <= naive_max_size else "skipped", "chosen": "run"}
    return {"naive": "—", "chosen": "run"}


def run_size(size: int, naive_max_size: int, timeout: float) -> dict:
    path, meta = ensure_graph(size)
    row: dict = {"size": size, **meta, "steps": {}}
    for step in STEPS:
        todo = plan(step, size, naive_max_size)
        cells: dict[str, dict] = {}
        for engine in ("chosen", "naive"):
            what = todo[engine]
            if what == "run":
                cells[engine] = run_child(step, engine, path, timeout)
            elif what == "same":
                cells[engine] = dict(cells["chosen"])
            else:
                cells[engine] = {"status": what}
            print(f"  ×{size} {step:8} {engine:6} {_fmt(cells[engine], 's')}", file=sys.stderr)
        row["steps"][step] = cells
    return row


# --- the report -------------------------------------------------------------------------------

def _fmt(cell: dict, key: str) -> str:
    if key not in cell:
        return cell.get("status", "—")
    v = cell[key]
    return f"{v:.0f}" if key == "mb" else (f"{v:.2f}" if v >= 0.1 else f"{v:.3f}")


def _cell(cells: dict, key: str) -> str:
    naive, chosen = cells["naive"], cells["chosen"]
    text = f"{_fmt(naive, key)} / {_fmt(chosen, key)}"
    if key == "s" and "s" in naive and "s" in chosen and chosen["s"] > 0:
        text += f" ({naive['s'] / chosen['s']:.1f}×)"
    return text


def exponent(rows: list[dict], step: str, engine: str) -> str:
    """Slope of log(time) against log(findings) between the smallest and largest measured size."""
    points = [(r["findings"], r["steps"][step][engine]["s"]) for r in rows if "s" in r["steps"][step][engine]]
    if len(points) < 2 or points[0][0] == points[-1][0]:
        return "—"
    (f0, t0), (f1, t1) = points[0], points[-1]
    return f"{math.log(t1 / t0) / math.log(f1 / f0):.2f}"


def table(rows: list[dict], key: str) -> list[str]:
    head = ["size ×", "triples", "findings", *(TITLES[s] for s in STEPS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f"×{r['size']}", f"{r['triples']:,}", f"{r['findings']:,}"]
        cells += [_cell(r["steps"][s], key) for s in STEPS]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def report(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmark results (issue 7)",
        "",
        f"Machine: {os.cpu_count()} CPU(s) (nproc), Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}; date {date.today().isoformat()}. Command: `.venv/bin/python benchmarks/run.py "
        f"--max-size {args.max_size} --naive-max-size {args.naive_max_size} --timeout {args.timeout:g}`.",
        "",
        "Seconds, naive / chosen (ratio naive ÷ chosen); each measurement in a fresh process:",
        "",
        *table(rows, "s"),
        "",
        "Peak memory (MB, ru_maxrss of the measuring process and its children), naive / chosen:",
        "",
        *table(rows, "mb"),
        "",
        "Growth exponent (slope of log time vs log findings, smallest to largest measured size; 1 = linear):",
        "",
        "| step | naive | chosen |",
        "|---|---|---|",
        *(f"| {TITLES[s]} | {exponent(rows, s, 'naive')} | {exponent(rows, s, 'chosen')} |" for s in STEPS),
        "",
        "* load: rdflib `Graph.parse` of the N-Triples vs pyoxigraph `Store.bulk_load`.",
        "* ¹ SHACL: `exo_onto.validation.validate_graph` with RDFS inference. Naive: pyshacl with every shape "
        "(`fast=False`). Chosen: SHACL-SPARQL shapes on Oxigraph, core shapes in pyshacl (`exo_onto.shacl_fast`); "
        "a test asserts both give identical results on the project's graph and on every shape fixture.",
        f"* ² reason: HermiT via owlready2 (the project's only reasoner), sizes ≤ ×{REASON_MAX_SIZE} only; OWL DL "
        "reasoning over the ABox is not the scaling path, so larger sizes show —. Same code in both columns.",
        f"* queries: every stored query (`queries/*.rq`, default parameters), summed; rdflib's SPARQL engine vs "
        f"pyoxigraph; the rdflib side is skipped above ×{args.naive_max_size}.",
        "* ³ check: `exo_onto.check.run_check` on the generated file (parse with rdflib, HermiT, SHACL, QC, stored "
        "queries): the project's pipeline, no naive twin. On clones the stored queries no longer give the real "
        "graph's expected answers, so the verdict is not OK there (QC still passes); only the time is of interest.",
        "* The graph: ×1 is the real graph (TBox + `ontology/kg`); ×N adds N−1 varied clones of every finding, span, "
        "preparation, context, carrier and cited work (`benchmarks/generate.py`). Clones add no SHACL violation; "
        "each cloned span adds one warning (its IRI no longer spells its offsets).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-size", type=int, default=SIZES[-1], help="largest multiplier to run (default 1000)")
    parser.add_argument("--naive-max-size", type=int, default=10, help="largest size for rdflib queries")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement (default 600)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    parser.add_argument("--child", nargs=3, metavar=("STEP", "ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    rows: list[dict] = []
    text = "no size ≤ --max-size"
    for size in (s for s in SIZES if s <= args.max_size):
        print(f"size ×{size}", file=sys.stderr)
        rows.append(run_size(size, args.naive_max_size, args.timeout))
        text = report(rows, args)
        args.out.write_text(text, encoding="utf-8")  # after every size, so a long run leaves partial results
    print(text)
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
