"""Independent reads of one store, run at once and answered in order.

Oxigraph evaluates a query without holding Python's lock, so on a machine with two cores two checks
(or two stored queries) take about the time of one. Results come back in the order the jobs were
given, whatever finishes first, so a report is the same on any machine.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pyoxigraph as ox

T = TypeVar("T")

#: Jobs run at once: the machine's cores, at most four (more only adds memory for the waiting answers).
WORKERS = max(1, min(4, os.cpu_count() or 1))
#: Below this many triples the jobs run one after another: on the project's graph threads took a fifth
#: more CPU (a shape fixture validated in 54.6 ms of CPU against 44.6 ms) and saved no time.
PARALLEL_FROM = 100_000


def workers_for(store: ox.Store) -> int:
    """:data:`WORKERS` for a store of :data:`PARALLEL_FROM` triples or more, else 1 (without counting them all)."""
    probe = f"SELECT ?s WHERE {{ ?s ?p ?o }} OFFSET {PARALLEL_FROM - 1} LIMIT 1"
    return WORKERS if any(True for _ in store.query(probe, use_default_graph_as_union=True)) else 1


def in_order(jobs: Iterable[Callable[[], T]], workers: int = WORKERS, ahead: int = 4) -> Iterator[T]:
    """Each job's result in the jobs' order, ``workers`` running at once. At most ``ahead`` × ``workers`` jobs
    are started and not yet handed back (a window: so many results wait in memory at most), enough for
    the other workers to go on while the first job of the window is a slow one. A job's exception is
    raised where its result would have come."""
    if workers <= 1:
        yield from (job() for job in jobs)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="exo-onto") as pool:
        pending: deque = deque()
        for job in jobs:
            pending.append(pool.submit(job))
            if len(pending) >= ahead * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
