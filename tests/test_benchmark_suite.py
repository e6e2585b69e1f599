"""The benchmark's test-suite target (issue 16: the suite within 5 minutes of CPU), on stand-in suites."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _run_module():
    sys.path.insert(0, str(BENCH))  # run.py imports its neighbour generate.py
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_the_suite_is_timed_by_the_cpu_of_its_processes_and_judged():
    run = _run_module()
    busy = ("import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
            "print('3 passed in 0.3s')")
    suite = run.measure_suite([sys.executable, "-c", busy])
    assert suite["ok"] and suite["summary"] == "3 passed in 0.3s"
    assert 0.3 <= suite["cpu"] < 5  # the child's CPU, not this process's (nor its speed probes')
    assert len(suite["probes"]) >= 1 and all(0 < p < 5 for p in suite["probes"])
    assert "the speed probe (10,000,000 additions in Python) took" in run.suite_target(suite)
    assert "holds" in run.suite_target(suite)
    assert "MISSES" in run.suite_target({**suite, "cpu": run.SUITE_CPU_SECONDS + 1})
    failed = run.measure_suite([sys.executable, "-c", "print('1 failed'); raise SystemExit(1)"])
    assert "MISSES (the suite failed)" in run.suite_target(failed)


def test_the_suite_gets_ctrl_c_as_in_a_terminal_even_from_a_background_benchmark():
    """A benchmark started with `&` ignores SIGINT; the suite it times must not (its Ctrl-C tests failed)."""
    import signal

    run = _run_module()
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        suite = run.measure_suite([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT))"])
    finally:
        signal.signal(signal.SIGINT, before)
    assert suite["summary"] == "<built-in function default_int_handler>"


def test_repeated_measurements_keep_the_fastest_time_and_the_largest_peak():
    """--repeat: the machine's speed drifts, memory does not; a timeout ends the repeats and is the cell."""
    import argparse

    run = _run_module()
    given = iter([{"s": 3.0, "mb": 10.0}, {"s": 2.0, "mb": 30.0}, {"s": 4.0, "mb": 20.0}])
    run.run_child = lambda *a: next(given)
    args = argparse.Namespace(repeat=3, timeout=5.0)
    assert run.best_of("load", "chosen", Path("x.nt"), args) == {"s": 2.0, "mb": 30.0, "runs": 3}
    given = iter([{"s": 3.0, "mb": 10.0}, {"status": "timeout", "s_min": 5.0}, {"s": 1.0, "mb": 1.0}])
    assert run.best_of("load", "chosen", Path("x.nt"), args) == {"status": "timeout", "s_min": 5.0}
    assert next(given) == {"s": 1.0, "mb": 1.0}  # not run after the timeout
