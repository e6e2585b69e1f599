"""Child processes that do not outlive the process that made them.

A query worker or a server left behind when its parent is killed (``kill -9``, an out-of-memory kill, a
terminal that ignores Ctrl-C) would go on using a core and memory with no one to stop it. On Linux the
kernel kills the child when its parent dies (``PR_SET_PDEATHSIG``); elsewhere nothing is done.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Called in the child: be killed when ``parent`` (the pid that made it) dies; leave now if it already has.

    The signal fires when the *thread* that made the child ends, so make children from a thread that
    lives as long as they should, or wait for them before that thread ends.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
