"""The embedded SPARQL store: pyoxigraph, loaded from an rdflib graph, queried under a deadline.

rdflib's SPARQL engine is fine for small lookups but slow for whole-graph checks (the QC
queries take minutes there and well under a second here), so analyses run on Oxigraph.

A query on the embedded store cannot be cancelled from Python: pyoxigraph releases the GIL but
offers no interrupt, so a cartesian ``COUNT(*)`` would hold a core until it finishes. With a
deadline, :func:`query_with_deadline` therefore runs the query in a forked child that streams its
serialized answer through a pipe; the parent reads it under the deadline and a size cap, and
kills the child when either is passed or on Ctrl-C, so nothing keeps running after the answer is
abandoned.
"""

from __future__ import annotations

import math
import os
import select
import signal
import threading
import time
import warnings
from dataclasses import dataclass

import pyoxigraph
from rdflib import Graph

from exo_onto.io.children import die_with_parent
from exo_onto.io.sparql import AnswerTooLarge, QueryError, QueryTimeout

#: Default cap on the size of one answer (serialized bytes), embedded or remote.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: Default deadline of one query, in seconds.
DEFAULT_TIMEOUT = 60.0
_CHUNK = 1 << 16


def oxigraph_store(graph: Graph) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding ``graph`` (see :func:`exo_onto.io.load.store_from_graph`)."""
    from exo_onto.io.load import store_from_graph

    return store_from_graph(graph).store


def term_text(term: object) -> str:
    """The plain text of an Oxigraph term (IRI, literal value or blank-node id); '' for unbound."""
    if term is None:
        return ""
    return str(getattr(term, "value", term))


def term_shown(term: object) -> str:
    """An Oxigraph term as reports print it: an IRI as the project's CURIE (else ``<iri>``), else its text
    on one line (whitespace runs as one space, control characters escaped), so a TSV row stays one row.

    Reports go through the same converter as query answers, so one IRI reads the same in both.
    """
    from exo_onto.query.results import escape_controls
    from exo_onto.terms.namespaces import curie_or_iri

    if isinstance(term, pyoxigraph.NamedNode):
        return curie_or_iri(term.value)
    return escape_controls(" ".join(term_text(term).split()))


def check_limits(timeout: float | None, max_bytes: int | None) -> None:
    """Refuse a deadline or a cap that cannot be meant (0, negative, NaN, infinite): say so, not "within -5 s"."""
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise QueryError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0):
        raise QueryError(f"max_bytes must be a positive whole number of bytes, not {max_bytes!r}")


@dataclass
class Deadline:
    """A point on the monotonic clock by which an answer must be complete (``None``: no deadline)."""

    seconds: float | None

    def __post_init__(self) -> None:
        self.at = None if self.seconds is None else time.monotonic() + self.seconds

    def left(self) -> float | None:
        """Seconds left (never negative), or ``None`` without a deadline."""
        return None if self.at is None else max(0.0, self.at - time.monotonic())

    @property
    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


def size_text(n: int) -> str:
    """``268435456`` as ``256 MiB``: the cap as a user would have typed it."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def query_with_deadline(store: pyoxigraph.Store, text: str, timeout: float | None = DEFAULT_TIMEOUT,
                        max_bytes: int | None = DEFAULT_MAX_BYTES, where: str = "the embedded store"
                        ) -> tuple[str, bytes]:
    """Run ``text`` on ``store``; return ``("results", SPARQL JSON)`` or ``("graph", N-Triples)``.

    The whole run, evaluation and every byte of the answer, must finish within ``timeout`` seconds
    (:class:`QueryTimeout`) and the serialized answer must fit in ``max_bytes`` (:class:`AnswerTooLarge`).
    """
    check_limits(timeout, max_bytes)
    if hasattr(os, "fork"):
        return _in_child(store, text, Deadline(timeout), max_bytes, where, timeout)
    return _in_thread(store, text, Deadline(timeout), max_bytes, where, timeout)  # pragma: no cover (Windows)


def _serialize(raw: object, out) -> None:
    if isinstance(raw, (pyoxigraph.QuerySolutions, pyoxigraph.QueryBoolean)):
        out.write(b"R")
        raw.serialize(out, pyoxigraph.QueryResultsFormat.JSON)
    else:
        out.write(b"G")
        pyoxigraph.serialize(raw, out, pyoxigraph.RdfFormat.N_TRIPLES)


def _in_child(store: pyoxigraph.Store, text: str, deadline: Deadline, max_bytes: int | None, where: str,
              timeout: float | None) -> tuple[str, bytes]:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork in a threaded process; the child only runs Oxigraph and os.write.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running any of the parent's exit handlers
        status = 0
        try:
            os.close(read_fd)
            die_with_parent(parent)  # a parent killed (kill -9) must not leave the query running
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C on the terminal ends it at once
            except ValueError:
                pass  # not Python's main thread: the parent kills it
            with os.fdopen(write_fd, "wb", buffering=_CHUNK) as out:
                try:
                    raw = store.query(text)
                except (SyntaxError, OSError, ValueError) as exc:
                    out.write(b"E" + " ".join(str(exc).split()).encode("utf-8", "replace"))
                else:
                    _serialize(raw, out)
        except BaseException:
            status = 3
        finally:
            os._exit(status)
    os.close(write_fd)
    body: bytes | None = None
    try:
        body = _read_pipe(read_fd, deadline, max_bytes, where, timeout)
    finally:
        os.close(read_fd)
        status = _reap(pid, finished=body is not None)
    if status != 0 and not body.startswith(b"E"):
        raise QueryError(f"{where}: the query engine stopped before the answer was complete")
    return _unframe(body, where)


def _read_pipe(fd: int, deadline: Deadline, max_bytes: int | None, where: str, timeout: float | None) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        left = deadline.left()
        if left == 0.0:
            raise QueryTimeout(f"{where} did not answer within {timeout:g} s (timeout)")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if max_bytes is not None and total > max_bytes + 1:  # +1: the frame byte
            raise AnswerTooLarge(f"{where}: the answer is larger than {size_text(max_bytes)} (--max-bytes)")
        chunks.append(chunk)


def _reap(pid: int, finished: bool) -> int:
    """Wait for the child (killing it unless it finished its answer); its exit status, 0 when it succeeded."""
    if not finished:
        _kill(pid)
    for _ in range(200):  # a finished child exits at once; give it a second, then insist
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    _kill(pid)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _unframe(body: bytes, where: str) -> tuple[str, bytes]:
    kind, payload = body[:1], body[1:]
    if kind == b"R":
        return "results", payload
    if kind == b"G":
        return "graph", payload
    if kind == b"E":
        raise QueryError(f"{where}: {payload.decode('utf-8', 'replace')}")
    raise QueryError(f"{where}: the query engine stopped before answering")


class _CappedBuffer:
    """A write-only buffer that refuses to grow past the cap (the thread fallback's pipe)."""

    def __init__(self, max_bytes: int | None, cancelled: threading.Event) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.max_bytes = max_bytes
        self.cancelled = cancelled

    def write(self, data: bytes) -> int:
        if self.cancelled.is_set():
            raise OSError("abandoned")
        self.size += len(data)
        if self.max_bytes is not None and self.size > self.max_bytes + 1:
            raise OSError("too large")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _in_thread(store: pyoxigraph.Store, text: str, deadline: Deadline, max_bytes: int | None, where: str,
               timeout: float | None) -> tuple[str, bytes]:  # pragma: no cover (platforms without fork)
    """Without fork: a daemon thread the caller abandons at the deadline (it stops at its next write)."""
    cancelled = threading.Event()
    buffer = _CappedBuffer(max_bytes, cancelled)
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            _serialize(store.query(text), buffer)
            outcome.append(None)
        except BaseException as exc:  # handed to the caller
            outcome.append(exc)

    worker = threading.Thread(target=work, daemon=True, name="exo-onto-query")
    worker.start()
    try:
        worker.join(deadline.left())
    finally:
        cancelled.set()
    if not outcome:
        raise QueryTimeout(f"{where} did not answer within {timeout:g} s (timeout)")
    if outcome[0] is not None:
        if max_bytes is not None and buffer.size > max_bytes + 1:
            raise AnswerTooLarge(f"{where}: the answer is larger than {size_text(max_bytes)} (--max-bytes)")
        raise QueryError(f"{where}: {' '.join(str(outcome[0]).split())}")
    return _unframe(b"".join(buffer.parts), where)
