"""One sandboxed worker process per submission: start it, run cells and probes, kill it.

:class:`Sandbox` starts :mod:`autograder.worker` confined by bubblewrap (see
:mod:`autograder.bwrap` for what the sandbox can see and its limits) and talks to it over two
dedicated pipes: length-prefixed messages; replies are decoded by
:func:`gan_course.course.harness.reply.read_reply` (no unpickler: a JSON tree plus raw tensor bytes, with
bounds on bytes, JSON size, nesting and tensor elements, and the call's own deadline), so that
nothing but plain data (tensors, numbers, strings, lists, dicts) ever comes back, and reading
it costs the grader bounded time and memory. Every call has a wall-clock timeout; when it
expires, or the worker dies or sends something unreadable, the sandbox's whole process group
is killed (bubblewrap takes its PID namespace with it) and :class:`SandboxCrash` says why.

bubblewrap itself is started with a minimal explicit environment (:data:`BWRAP_ENVIRONMENT`),
never the grader's: bubblewrap is process 1 inside the sandbox, and student code can read
``/proc/1/environ``.

Without ``bwrap`` the grader refuses to run unless ``unsafe=True``
(``--unsafe-no-sandbox``): then the worker runs as a plain subprocess in a temporary
directory, with the same limits, timeouts and protocol, but it can read everything the grader
can read -- only for trusted code, e.g. your own solutions.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from gan_course.course.harness import reply as replies

from . import worker
from .bwrap import GRADER_DIR, GiB, SandboxLimits, SandboxUnavailable, bwrap_command, bwrap_path, require_sandbox, sandbox_environment

__all__ = ["GiB", "Sandbox", "SandboxCrash", "SandboxLimits", "SandboxUnavailable", "bwrap_path", "preflight", "require_sandbox"]

EXIT_GRACE = 1.0  # seconds a worker gets to exit when asked before it is killed
SIGNAL_EXIT_BASE = 128  # shells and bwrap report death by signal n as exit status 128 + n
# bubblewrap's own environment (it is PID 1 in the sandbox, readable at /proc/1/environ);
# --clearenv and --setenv then give the worker sandbox_environment().
BWRAP_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class SandboxCrash(Exception):
    """The sandboxed process timed out, died, or sent something unreadable.

    ``kind`` is ``"timeout"``, ``"crashed"``, ``"memory_limit"`` or ``"unreadable"``.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def _harness_files() -> tuple[Path, Path]:
    from gan_course.course import harness

    return Path(harness.__file__).resolve().parent, Path(worker.__file__).resolve()


class Sandbox:
    """One sandboxed worker process: start it, run cells and probes, kill it.

    Use as a context manager. Every call takes a timeout; when it expires, or the process
    dies, or it sends an unreadable reply, the sandbox is killed and :class:`SandboxCrash`
    is raised: start a new one to continue.
    """

    def __init__(self, *, limits: SandboxLimits = SandboxLimits(), unsafe: bool = False, protected: Sequence[Path] = ()):
        self.limits = limits
        self.unsafe = unsafe
        self.protected = tuple(protected)
        self.process: subprocess.Popen | None = None
        self._cmd_w = self._res_r = -1
        self._stderr = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.cpu_seconds = 0.0  # CPU time the worker reported when it was closed (0 if it was killed)

    # life cycle ------------------------------------------------------------------------

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _command(self, cmd_fd: int, res_fd: int) -> tuple[list[str], dict | None, str | None]:
        harness_dir, worker_file = _harness_files()
        limits = json.dumps(self.limits.as_worker_limits())
        if self.unsafe:
            self._tmp = tempfile.TemporaryDirectory(prefix="gan-course-unsafe-")
            root = Path(self._tmp.name)
            shutil.copytree(harness_dir, root / "grader" / worker.HARNESS_PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(worker_file, root / "grader" / "worker.py")
            (root / "scratch").mkdir()
            env = sandbox_environment(str(root / "scratch"))
            command = [sys.executable, "-I", "-B", str(root / "grader" / "worker.py"), str(cmd_fd), str(res_fd), limits]
            return command, env, str(root / "scratch")
        prefix = bwrap_command(require_sandbox(), harness_dir=harness_dir, worker_file=worker_file, limits=self.limits, protected=self.protected)
        return prefix + [sys.executable, "-I", "-B", f"{GRADER_DIR}/worker.py", str(cmd_fd), str(res_fd), limits], dict(BWRAP_ENVIRONMENT), None

    def start(self) -> dict:
        """Start the worker and wait until it has imported torch; returns its hello message."""
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        try:
            command, env, cwd = self._command(cmd_r, res_w)
            self._stderr = tempfile.TemporaryFile(prefix="gan-course-sandbox-")
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(cmd_r, res_w),
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        except BaseException:
            for fd in (cmd_r, cmd_w, res_r, res_w):
                os.close(fd)
            raise
        os.close(cmd_r)
        os.close(res_w)
        self._cmd_w, self._res_r = cmd_w, res_r
        try:
            hello = self._receive(time.monotonic() + self.limits.start_timeout)
        except SandboxCrash as crash:
            tail = self._stderr_tail()
            hint = ""
            if "failed to map segment" in tail or "MemoryError" in tail:
                hint = f" The memory limit ({self.limits.memory_bytes / GiB:g} GiB) is too small to import torch: raise it (--memory-limit)."
            last = tail.splitlines()[-1] if tail else ""
            raise SandboxCrash(crash.kind, f"the sandbox did not start: {crash.message} ({last}).{hint}") from None
        if not isinstance(hello, dict) or not hello.get("ready"):
            self.kill()
            raise SandboxCrash("crashed", "the sandbox did not start: unexpected hello")
        return hello

    def kill(self) -> None:
        """Kill the whole process group (bwrap takes the sandbox's PID namespace with it)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not take this long
                pass

    def close(self) -> None:
        """Stop the sandbox and release its pipes: the worker is asked to ``os._exit`` at once
        (so bubblewrap reaps it and its CPU time is accounted to the grader), and whatever
        is still running a moment later is killed."""
        if self.alive:
            try:
                reply = self._call({"op": "exit"}, EXIT_GRACE)
                self.cpu_seconds += float(reply.get("cpu_seconds", 0.0)) if isinstance(reply, dict) else 0.0
                self.process.wait(timeout=EXIT_GRACE)
            except (SandboxCrash, subprocess.TimeoutExpired, OSError, TypeError, ValueError):
                pass
        self.kill()
        for fd in (self._cmd_w, self._res_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._cmd_w = self._res_r = -1
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # commands ----------------------------------------------------------------------------

    def execute(self, name: str, code: str, *, timeout: float) -> dict:
        """Run one cell's code; returns ``{"ok": True}`` or the worker's error description
        (``kind``: ``syntax_error``, ``error`` or ``memory``). Raises SandboxCrash."""
        return self._call({"op": "exec", "name": name, "code": code}, timeout)

    def probe(self, function: str, probes: Sequence, *, timeout: float) -> list[dict]:
        """Run every probe (objects with ``harness`` and ``payload``) of ``function``; one
        plain result dict per probe (see :func:`gan_course.course.harness.run_probe`)."""
        command = {"op": "probe", "function": function, "probes": [(p.harness, p.payload) for p in probes]}
        reply = self._call(command, timeout)
        results = replies.probe_results(reply, len(probes))
        if results is None:
            self.kill()
            detail = reply.get("message", "") if isinstance(reply, dict) else ""
            raise SandboxCrash("unreadable", f"`{function}` returned something the grader cannot read. {detail}".strip())
        return results

    def _call(self, command: dict, timeout: float):
        if not self.alive:
            raise SandboxCrash("crashed", "the sandbox is not running")
        deadline = time.monotonic() + timeout
        self._send(command, deadline)
        return self._receive(deadline)

    # transport ---------------------------------------------------------------------------

    def _send(self, command: dict, deadline: float) -> None:
        view = memoryview(worker.encode(command))
        while view:
            self._wait(self._cmd_w, deadline, write=True)
            try:
                written = os.write(self._cmd_w, view)
            except (BrokenPipeError, OSError):
                raise self._died() from None
            view = view[written:]

    def _wait(self, fd: int, deadline: float, *, write: bool = False) -> None:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise SandboxCrash("timeout", "time limit exceeded")
            ready = select.select([], [fd], [], left) if write else select.select([fd], [], [], left)
            if ready[1 if write else 0]:
                return

    def _read(self, n: int, deadline: float) -> bytes:
        chunks, left = [], n
        while left:
            self._wait(self._res_r, deadline)
            chunk = os.read(self._res_r, min(left, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float):
        (length,) = replies.HEADER.unpack(self._read(replies.HEADER.size, deadline))
        if length > self.limits.max_reply_bytes:  # refused before reading it
            self.kill()
            raise SandboxCrash("unreadable", f"a reply of {length} bytes is larger than the grader accepts")
        data = self._read(length, deadline)
        try:
            return replies.read_reply(data, max_bytes=self.limits.max_reply_bytes,
                                      max_elements=self.limits.max_reply_elements, deadline=deadline)
        except Exception as error:  # noqa: BLE001 - anything but bounded plain data is refused
            self.kill()
            reason = str(error)[:200] if isinstance(error, replies.ReplyError) else type(error).__name__[:100]
            raise SandboxCrash("unreadable", f"the reply holds something other than plain data ({reason})") from None

    def _died(self) -> SandboxCrash:
        """The crash that explains why the worker's pipe closed."""
        assert self.process is not None
        try:
            status = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            status = self.process.returncode
        self.kill()
        number = -status if status is not None and status < 0 else None
        if status is not None and status > SIGNAL_EXIT_BASE and not self.unsafe:
            number = status - SIGNAL_EXIT_BASE  # bwrap exits with 128 + the signal that killed its child
        if number in {s.value for s in signal.Signals}:
            return SandboxCrash("crashed", f"the process was killed by signal {signal.Signals(number).name}")
        return SandboxCrash("crashed", f"the process exited with status {status}")

    def _stderr_tail(self, limit: int = 2000) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""


def preflight(*, limits: SandboxLimits = SandboxLimits(), unsafe: bool = False, protected: Sequence[Path] = ()) -> dict:
    """Start and stop one sandbox before a batch; raises SandboxUnavailable with the reason
    (no bwrap, a memory limit too small for torch, an exposed directory...)."""
    sandbox = Sandbox(limits=limits, unsafe=unsafe, protected=protected)
    try:
        return sandbox.start()
    except SandboxCrash as crash:
        raise SandboxUnavailable(crash.message) from None
    finally:
        sandbox.close()
