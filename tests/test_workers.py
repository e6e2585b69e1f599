"""Checks and stored queries run several at once (:mod:`exo_onto.io.workers`): answers in the jobs' order."""

from __future__ import annotations

import threading
import time

import pytest

from exo_onto.io.workers import in_order


def test_results_come_in_the_jobs_order_whatever_finishes_first():
    def job(n: int, delay: float):
        def run() -> int:
            time.sleep(delay)
            return n
        return run

    delays = [0.2, 0.0, 0.1, 0.0, 0.05, 0.0]
    assert list(in_order([job(n, d) for n, d in enumerate(delays)], workers=3)) == list(range(6))


def test_jobs_run_at_once():
    """Two jobs that each wait for the other finish only if they run at the same time."""
    barrier = threading.Barrier(2, timeout=10)
    assert list(in_order([barrier.wait, barrier.wait], workers=2)) in ([0, 1], [1, 0])


def test_a_failing_job_raises_where_its_result_would_come():
    def fail() -> int:
        raise ValueError("job 1")

    answers = in_order([lambda: 0, fail, lambda: 2], workers=2)
    assert next(answers) == 0
    with pytest.raises(ValueError, match="job 1"):
        next(answers)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_at_most_a_window_of_results_waits(workers):
    """A slow consumer never has more than ``ahead`` × ``workers`` jobs started and not yet taken."""
    started, taken, most = [0], [0], [0]
    lock = threading.Lock()

    def job() -> int:
        with lock:
            started[0] += 1
            most[0] = max(most[0], started[0] - taken[0])
        return 1

    for _ in in_order([job] * 40, workers=workers, ahead=2):
        time.sleep(0.005)
        taken[0] += 1
    assert started[0] == 40
    assert most[0] <= 2 * workers if workers > 1 else most[0] == 1


def test_small_stores_run_their_jobs_one_after_another():
    """Threads cost a fifth more CPU on the project's graph and save no time: only a store of
    PARALLEL_FROM triples or more gets them (the boundary itself is exact)."""
    import pyoxigraph as ox

    from exo_onto.io.workers import PARALLEL_FROM, WORKERS, workers_for

    store = ox.Store()
    assert workers_for(store) == 1
    p = ox.NamedNode("http://example.org/p")
    store.bulk_extend(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), p, ox.Literal(str(i)))
                      for i in range(PARALLEL_FROM - 1))
    assert workers_for(store) == 1
    store.add(ox.Quad(ox.NamedNode("http://example.org/last"), p, ox.Literal("x"), ox.NamedNode("http://example.org/g")))
    assert workers_for(store) == WORKERS  # triples in a named graph count: validation reads their union
