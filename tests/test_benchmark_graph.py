"""The benchmark's graphs (benchmarks/generate.py): ×1 is the graph the project's commands read."""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib.compare import isomorphic

from exo_onto import load_graph

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_benchmarks_x1_is_the_projects_graph():
    """It once left out the import modules and the bridge: the queries that read an external term's label or
    the GO hierarchy came back empty at every size, and the benchmark timed less than the real work."""
    sys.path.insert(0, str(BENCH))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCH))
    tbox, kg = generate._load()
    assert isomorphic(tbox + kg, load_graph())
