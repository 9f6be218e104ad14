"""The one atomic file writer: every file that someone else may read while it is written.

A reader (the book, TensorBoard, ``gan-course monitor``, a second process, the grader) must see
either the old file or the new one, never half of one, and a crash or a kill must not destroy
the old file. The recipe is the classic one (Pillai et al. 2014, "All File Systems Are Not
Created Equal", OSDI, https://www.usenix.org/conference/osdi14/technical-sessions/presentation/pillai):

1. write to a temporary file in the *same directory* (so the rename stays on one file system),
2. ``flush`` and ``fsync`` it (its bytes are on disk before its name is),
3. ``os.replace`` it over the target (atomic on POSIX and on Windows),
4. ``fsync`` the directory, so the rename itself survives a power cut (best effort: not
   every platform can open a directory).

On any exception (or ``KeyboardInterrupt``) before step 3 the temporary file is removed and
the target is left as it was.

    with atomic_write(path) as handle:          # a text (or, with mode="wb", binary) handle
        handle.write(text)
    with atomic_path(path) as partial:          # for writers that want a path (savefig, torch.save)
        figure.savefig(partial, format="png")
    write_json_atomic(path, data)               # also write_text_atomic, write_bytes_atomic, copy_atomic
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

TEMP_SUFFIX = ".tmp"  # temporary files are ".<name>.<random>.tmp" beside the target


def fsync_directory(directory: str | os.PathLike) -> None:
    """Make a rename inside ``directory`` durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _temporary_beside(path: Path) -> Path:
    """A new, empty, uniquely named file in ``path``'s directory, with the permissions a plain
    ``open(path, "w")`` would leave: the existing target's mode, else ``0o666`` less the umask
    (``tempfile.mkstemp`` would make every file private, 0600)."""
    for _ in range(100):
        partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            os.chmod(partial, stat.S_IMODE(path.stat().st_mode))
        except FileNotFoundError:
            pass
        return partial
    raise FileExistsError(f"could not create a temporary file beside {path}; remove the stale .{path.name}.*.tmp files")


@contextmanager
def atomic_path(path: str | os.PathLike, *, durable: bool = True, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path``; when the block ends without an exception, its file replaces ``path``.

    For writers that take a file name (``Figure.savefig``, ``torchvision.utils.save_image``,
    ``shutil.copyfile``): they write the temporary file, which is then fsync-ed (``durable``)
    and renamed over ``path``. Parent folders are created. The new file keeps the old one's
    permissions (a new one gets the umask's), or gets ``mode`` when given. On an exception the
    temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary_beside(path)
    try:
        yield partial
        if mode is not None:
            os.chmod(partial, mode)
        if durable:
            _fsync_file(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if durable:
        fsync_directory(path.parent)


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = None, durable: bool = True, permissions: int | None = None
                 ) -> Iterator[IO[Any]]:
    """An open handle on a temporary file beside ``path``; renamed over ``path`` when the block ends cleanly.

    mode: ``"w"`` (text, ``encoding`` and ``newline`` as for :func:`open`) or ``"wb"`` (bytes).
    durable: fsync the file before the rename and the directory after it. permissions: the
    new file's mode (default: as :func:`atomic_path`).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}; append or read modes cannot be atomic")
    with atomic_path(path, durable=False, mode=permissions) as partial:
        text = {"encoding": encoding, "newline": newline} if mode == "w" else {}
        with open(partial, mode, **text) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    if durable:
        fsync_directory(Path(path).parent)


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_write(path, "wb", durable=durable) as handle:
        handle.write(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str, *, newline: str | None = None,
                      durable: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_write(path, "w", newline=newline, durable=durable) as handle:
        handle.write(text)
    return Path(path)


def write_json_atomic(path: str | os.PathLike, data: Any, *, indent: int | None = 2, durable: bool = True) -> Path:
    """Write ``data`` as JSON to ``path`` atomically; returns the path.

    indent: 2 (a trailing newline is added, for files people read) or None (one compact line,
    for large files such as ``history.json``). NaN and Inf are refused (``ValueError``): JSON
    cannot hold them, so callers store ``None`` instead.
    """
    text = json.dumps(data, indent=indent, allow_nan=False)
    return write_text_atomic(path, text + "\n" if indent is not None else text, durable=durable)


def copy_atomic(source: str | os.PathLike, dest: str | os.PathLike, *, durable: bool = True) -> Path:
    """Copy the file ``source`` to ``dest`` atomically; returns ``dest``."""
    with atomic_path(dest, durable=durable) as partial:
        shutil.copyfile(source, partial)
    return Path(dest)
