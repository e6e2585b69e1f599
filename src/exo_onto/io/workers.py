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

T = TypeVar("T")

#: Jobs run at once: the machine's cores, at most four (more only adds memory for the waiting answers).
WORKERS = max(1, min(4, os.cpu_count() or 1))


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
