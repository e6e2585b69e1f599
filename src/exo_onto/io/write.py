"""Output that cannot lose a user's data: atomic files, and output folders the tool owns.

A crash never leaves a half-written file where a good one stood (:func:`write_bytes_atomic`).

A build or docs folder is exo-onto's own (:class:`OutputFolder`, :func:`write_folder_atomic`):

* every folder the tool creates carries a marker file, :data:`MARKER`, listing the files it wrote;
* an existing folder is replaced only when it is empty, or carries the marker and holds nothing but
  the files the marker lists and nested output folders (which are carried into the new folder, as
  ``cargo build`` keeps ``target/doc``); anything else is refused with one line (:class:`OutputError`);
* some folders are never replaced, whatever they hold: ``/``, the home folder, the current folder,
  the project's root, ``ontology/``, ``shapes/`` and ``queries/``, any parent of these, a folder
  holding ``.git`` (or ``ontology``, ``shapes``, ``queries``); nor is anything written inside the
  project's sources or a ``.git`` folder;
* the new content is written into a staging folder beside the target and swapped in with one atomic
  exchange (``renameat2(RENAME_EXCHANGE)`` on Linux), so readers see the old or the new folder, never
  none, and a failed write (disk full, kill -9) keeps the old one;
* one writer at a time: an exclusive ``flock`` on a lock file beside the outermost tool-owned folder
  (so ``docs --out release/docs`` and ``build --out release`` exclude each other); the second writer
  waits up to a deadline, then refuses (:class:`OutputBusy`);
* staging folders a killed writer left (``.NAME.exo-onto-tmp-*``, empty or marked) are removed by the
  next writer of the same folder.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO

#: A path argument: ``str`` or any ``os.PathLike`` (``pathlib.Path``).
PathArg = str | os.PathLike

#: The marker file in every output folder the tool creates.
MARKER = ".exo-onto-output"
_MARKER_HEADER = (
    "# exo-onto output folder: `exo-onto build` or `exo-onto docs` made it and may replace it.\n"
    "# It replaces it only while it holds nothing but the files listed here (and nested output folders).\n"
)
_TMP = ".exo-onto-tmp-"  # staging folders: .NAME.exo-onto-tmp-XXXXXXXX beside NAME
_LOCK = ".exo-onto-lock"  # lock files: .NAME.exo-onto-lock beside the outermost tool-owned folder
#: Seconds a writer waits for another writer of the same folder before it refuses.
DEFAULT_WAIT = 120.0
#: Names whose presence makes a folder a checkout or the sources: never replaced.
_CHECKOUT_NAMES = (".git", "ontology", "shapes", "queries")


def one_line(text: str) -> str:
    """``text`` with control characters escaped: an error message stays one line, and a file name with a
    newline or a terminal escape sequence in it cannot forge output."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


class OutputError(Exception):
    """An output folder that may not, or cannot, be written; ``str()`` is one line naming it and why."""

    def __init__(self, path: PathArg, why: str) -> None:
        self.path = Path(path)
        self.why = why
        super().__init__(one_line(f"{os.fspath(path)}: {why}"))


class OutputBusy(OutputError):
    """Another writer held the folder's lock past the deadline."""


def _umask() -> int:
    """The process umask, read without changing it where the system allows (thread-safe on Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def open_atomic(path: PathArg, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """A file to write ``path`` through: a temporary file beside it, fsynced and renamed into place when
    the block ends without error, removed otherwise (a failed write leaves what was there before).

    A symbolic link is written through (its target is replaced, the link stays), as ``open(path, "w")`` would.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    # mkstemp creates the file private (0600); give it the mode a normal write would (umask applied).
    file_mode = (path.stat().st_mode & 0o777) if path.exists() else (0o666 & ~_umask())
    try:
        os.chmod(tmp, file_mode)
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: PathArg, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`open_atomic`: a crash never leaves half a file."""
    with open_atomic(path) as fh:
        fh.write(data)


def write_text_atomic(path: PathArg, text: str) -> None:
    """:func:`write_bytes_atomic` of ``text`` as UTF-8."""
    write_bytes_atomic(path, text.encode("utf-8"))


# --- what may be replaced -------------------------------------------------------------------------


def _real(path: PathArg) -> Path:
    """The absolute path with every symbolic link of its existing part resolved."""
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def read_marker(folder: Path) -> set[str] | None:
    """The file names ``folder``'s marker lists, or None when it has no marker (the tool did not make it)."""
    marker = Path(folder) / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8", errors="replace")
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def _marker_bytes(names: Iterable[str]) -> bytes:
    return (_MARKER_HEADER + "".join(f"{n}\n" for n in sorted(names))).encode("utf-8")


def _protected() -> list[tuple[str, Path]]:
    """The folders never replaced (nor any of their parents), each with how to name it."""
    from exo_onto.paths import ontology_dir, project_root, queries_dir, shapes_dir

    out = [("the current folder", _real(Path.cwd()))]
    try:
        out.append(("your home folder", _real(Path.home())))
    except (RuntimeError, KeyError):  # no HOME and no password entry
        pass
    root = project_root()
    out += [("the project's root", _real(root)), ("the project's ontology/", _real(ontology_dir(root))),
            ("the project's shapes/", _real(shapes_dir(root))), ("the project's queries/", _real(queries_dir(root)))]
    return out


def never_replaced(path: PathArg) -> str | None:
    """Why ``path`` may never be written as an output folder, whatever it holds; None when it may be."""
    out = _real(path)
    if out == Path(out.anchor):
        return "it is the filesystem root"
    protected = _protected()
    for what, where in protected:
        if out == where:
            return f"it is {what}"
        if out in where.parents:
            return f"it holds {what} ({where})"
    for what, where in protected[-3:]:
        if where in out.parents:
            return f"it is inside {what} (the sources are never written)"
    if ".git" in out.parts:
        return "it is a .git folder or inside one"
    for name in _CHECKOUT_NAMES:
        if _lexists(out / name):
            return f"it holds {name} (a checkout or the project's sources are never replaced)"
    return None


def _raise(exc: OSError) -> None:
    raise exc


def _stray(folder: Path, listed: set[str]) -> str | None:
    """The first entry of a marked ``folder`` the tool did not write (nested output folders are not stray)."""
    for top, dirs, files in os.walk(folder, onerror=_raise):
        rel_top = PurePosixPath(Path(top).relative_to(folder).as_posix())
        kept = []
        for d in sorted(dirs):
            rel = str(rel_top / d)
            p = Path(top) / d
            if p.is_symlink():
                if rel in listed:
                    continue
                return rel
            if str(rel_top) == "." and read_marker(p) is not None:
                continue  # a nested output folder: carried over into the new folder
            if not any(name.startswith(rel + "/") for name in listed):
                return rel + "/"
            kept.append(d)
        dirs[:] = kept
        for f in sorted(files):
            rel = str(rel_top / f)
            if (str(rel_top) == "." and f == MARKER) or rel in listed:
                continue
            return rel
    return None


def refusal(path: PathArg) -> str | None:
    """Why the tool may not replace ``path`` now (None when it may): never-replaced, foreign or stray content."""
    out = _real(path)
    why = never_replaced(out)
    if why:
        return why
    if not _lexists(out):
        return None
    if not out.exists():
        return "it is a broken symbolic link"
    if not out.is_dir():
        return "it is a file, not a folder"
    if not any(out.iterdir()):
        return None
    listed = read_marker(out)
    if listed is None:
        return (f"it is not empty and exo-onto did not make it (no {MARKER} in it); "
                "move it away or choose another --out")
    stray = _stray(out, listed)
    if stray:
        return f"it holds {stray}, which exo-onto did not write; move that away or choose another --out"
    return None


# --- the lock -------------------------------------------------------------------------------------


def _lock_anchor(out: Path) -> Path:
    """The outermost folder of the chain of tool-owned (marked) or still missing folders ending at ``out``.

    Writers of nested outputs lock the same file, so a rebuild never races the docs inside it.
    """
    top = out
    for parent in out.parents:
        if parent == Path(parent.anchor) or never_replaced(parent):
            break
        if _lexists(parent) and (not parent.is_dir() or read_marker(parent) is None):
            break
        top = parent
    return top


def _lock_path(out: Path) -> Path:
    """The lock file beside the anchor (or, where its parent is not writable, beside a folder nearer ``out``)."""
    anchor = _lock_anchor(out)
    chain = [anchor, *[p for p in reversed(out.parents) if anchor in p.parents], out] if anchor != out else [out]
    for folder in chain:
        if os.path.isdir(folder.parent) and os.access(folder.parent, os.W_OK | os.X_OK):
            anchor = folder
            break
    return anchor.parent / f".{anchor.name}{_LOCK}"


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return f" (pid {pid})" if pid.isdigit() else ""


def _acquire(lock: Path, out: str, wait: float, on_wait: Callable[[str], None] | None) -> int:
    """An exclusive flock on ``lock`` (created if needed), waiting at most ``wait`` seconds."""
    start = time.monotonic()
    told = False
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError(out, f"cannot write in {lock.parent}: {exc.strerror}") from exc
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - start
                    if waited >= wait:
                        raise OutputBusy(out, f"another exo-onto{_holder(fd)} is writing it (lock {lock}); "
                                              f"gave up after {wait:g} s") from None
                    if on_wait and not told:
                        on_wait(f"waiting up to {wait:g} s for another exo-onto{_holder(fd)} writing {out}")
                        told = True
                    time.sleep(min(0.1, wait - waited))
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the previous holder removed that file as it let go: lock the new one


# --- the swap -------------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step; False where the system cannot (then the caller renames twice)."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _clean_stale(parent: Path, name: str) -> None:
    """Remove staging folders a killed writer of ``name`` left (only ours: our prefix, empty or marked)."""
    prefix = f".{name}{_TMP}"
    try:
        entries = [p for p in parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() or not entry.is_dir():
            continue
        try:
            if read_marker(entry) is not None or not any(entry.iterdir()):
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _check_names(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        p = PurePosixPath(name)
        if p.is_absolute() or not p.parts or ".." in p.parts or str(p) == MARKER:
            raise ValueError(f"not a file name inside the output folder: {name!r}")
        out.append(str(p))
    return sorted(out)


class OutputFolder:
    """An output folder claimed for writing: checked, locked, with a staging folder made beside it.

    Claim it before the expensive work (``with OutputFolder(out) as folder: ...; folder.write(files)``):
    a folder the tool may not replace, an unwritable parent or a busy lock is then reported at once.
    Leaving the block without a write removes the staging folder and the parents the claim created.
    """

    def __init__(self, out_dir: PathArg, wait: float = DEFAULT_WAIT,
                 on_wait: Callable[[str], None] | None = None) -> None:
        if not (isinstance(wait, (int, float)) and math.isfinite(wait) and wait >= 0):
            raise ValueError(f"wait must be a finite number of seconds >= 0, not {wait!r}")
        self.requested = Path(out_dir)
        self.path = _real(out_dir)
        self.wait = float(wait)
        self.on_wait = on_wait
        self._fd: int | None = None
        self._lock: Path | None = None
        self._staging: Path | None = None
        self._created: list[Path] = []
        self.written = False

    def _name(self) -> str:
        shown = str(self.requested)
        return shown if shown == str(self.path) else f"{shown} ({self.path})"

    def _refuse(self) -> None:
        try:
            why = refusal(self.path)
        except OSError as exc:
            raise OutputError(self._name(), f"cannot inspect it: {exc.strerror or exc}") from exc
        if why:
            raise OutputError(self._name(), f"refused: {why}")

    def __enter__(self) -> OutputFolder:
        self._refuse()
        for _ in range(10):  # the chain of tool-owned folders may change while we wait
            lock = _lock_path(self.path)
            fd = _acquire(lock, self._name(), self.wait, self.on_wait)
            if _lock_path(self.path) == lock:
                self._fd, self._lock = fd, lock
                break
            self._release(fd, lock)
        else:
            raise OutputBusy(self._name(), "the folders around it keep changing; try again")
        try:
            self._refuse()  # again: the folder may have changed while we waited
            self._make_parents()
            _clean_stale(self.path.parent, self.path.name)
            try:
                self._staging = Path(tempfile.mkdtemp(prefix=f".{self.path.name}{_TMP}", dir=self.path.parent))
            except OSError as exc:
                raise OutputError(self._name(), f"cannot write in {self.path.parent}: {exc.strerror}") from exc
        except BaseException:
            self._close(failed=True)
            raise
        return self

    def _make_parents(self) -> None:
        missing = [p for p in reversed(self.path.parents) if not _lexists(p)]
        for folder in missing:
            try:
                folder.mkdir()
                self._created.append(folder)
                (folder / MARKER).write_bytes(_marker_bytes([]))
            except OSError as exc:
                raise OutputError(self._name(), f"cannot create {folder}: {exc.strerror}") from exc

    def write(self, files: Mapping[str, bytes]) -> None:
        """Write ``files`` (name → bytes) into the staging folder and swap it in for the folder.

        An OSError (disk full, permission) becomes :class:`OutputError`; the previous folder stays.
        """
        if self._staging is None or self.written:
            raise RuntimeError("write() needs a claimed folder (use OutputFolder as a context manager), once")
        staging = self._staging
        names = _check_names(files)
        tops = {PurePosixPath(n).parts[0] for n in names}
        carried: list[str] = []
        doing = "the staging folder"
        try:
            # The marker first: a staging folder a crash leaves behind is recognisably ours.
            (staging / MARKER).write_bytes(_marker_bytes(names))
            staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; an output is for everyone
            for name, data in files.items():
                doing = name
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            doing = str(self.path)
            self._refuse()
            if _lexists(self.path):
                for child in sorted(self.path.iterdir()):
                    if child.name not in tops and not child.is_symlink() and child.is_dir() \
                            and read_marker(child) is not None:
                        child.rename(staging / child.name)  # a nested output (docs in a release) survives
                        carried.append(child.name)
                if not _exchange(staging, self.path):
                    old = Path(tempfile.mkdtemp(prefix=f".{self.path.name}{_TMP}", dir=self.path.parent))
                    os.rename(self.path, old)  # rename over the empty folder: replaces it
                    try:
                        os.rename(staging, self.path)
                    except OSError:
                        os.rename(old, self.path)
                        raise
                    staging = old
            else:
                os.rename(staging, self.path)
                staging = None
        except BaseException as exc:
            for name in carried:  # put nested outputs back where they were
                try:
                    (staging / name).rename(self.path / name)
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise OutputError(self._name(), f"could not write {doing}: {exc.strerror or exc}; "
                                                "the previous folder is unchanged") from exc
            raise
        self.written = True
        self._staging = None
        if staging is not None:  # the old content, now at the staging name
            shutil.rmtree(staging, ignore_errors=True)

    def _release(self, fd: int, lock: Path) -> None:
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                lock.unlink()
        except OSError:
            pass
        os.close(fd)

    def _close(self, failed: bool) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        if failed or not self.written:
            for folder in reversed(self._created):  # parents we made, if still holding only our marker
                try:
                    if [p.name for p in folder.iterdir()] == [MARKER]:
                        (folder / MARKER).unlink()
                        folder.rmdir()
                except OSError:
                    break
        if self._fd is not None and self._lock is not None:
            self._release(self._fd, self._lock)
            self._fd = self._lock = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close(failed=exc_type is not None)


def claim_output(out_dir: PathArg, wait: float = DEFAULT_WAIT,
                 on_wait: Callable[[str], None] | None = None) -> OutputFolder:
    """Claim ``out_dir`` before the expensive work: ``with claim_output(out) as folder: ... folder.write(files)``."""
    return OutputFolder(out_dir, wait, on_wait)


def write_folder_atomic(files: Mapping[str, bytes], out_dir: PathArg, wait: float = DEFAULT_WAIT) -> None:
    """Replace ``out_dir`` by a folder holding ``files``, safely (see the module docstring).

    Raises :class:`OutputError` when the folder may not be replaced or cannot be written (the previous
    folder is then unchanged), :class:`OutputBusy` when another writer holds it past ``wait`` seconds.
    """
    with OutputFolder(out_dir, wait) as folder:
        folder.write(files)
