"""Giving freed memory back to the system between the steps of a large check."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

#: Below this many triples in the store there is little to give back: the call is skipped.
GIVE_BACK_FROM = 100_000


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to call
        return None


def give_back_memory(triples: int) -> None:
    """After a step on a store of ``triples`` triples dropped a scratch graph, return the freed heap pages to the
    system, where the C library allows it (glibc), if the store is large (:data:`GIVE_BACK_FROM`).

    The allocator keeps freed memory mapped: after validation dropped its RDFS closure (1.08 M quads at
    x1000) the stored queries, run on other threads, grew the process from there (x1000: 3.1 GB at the
    peak, 2.8 GB with the pages given back)."""
    trim = _malloc_trim() if triples >= GIVE_BACK_FROM else None
    if trim is not None:
        trim(0)
