"""The sandbox: one bubblewrap process per submission that runs student code and nothing else.

Student code runs in :mod:`autograder.worker` under bubblewrap (``bwrap``, the sandbox of
Flatpak): every namespace unshared (no network, own PID tree, its own user ``nobody``),
read-only binds of only what Python and torch need (``/usr``, the interpreter's prefix, the
virtual environment's ``site-packages``) and the harness, a fresh size-capped tmpfs as
``/scratch`` (cwd, ``HOME``, ``TMPDIR``, ``/tmp``), ``--die-with-parent`` and
``--new-session``. The course directory, the solutions, :mod:`autograder.checks`, other
submissions, the gradebook and :mod:`gan_course` are simply not there (an installed, not
editable, ``gan_course`` is hidden under an empty tmpfs). The worker lowers ``RLIMIT_AS``,
``RLIMIT_FSIZE``, ``RLIMIT_NPROC`` and ``RLIMIT_CORE`` before it imports torch; the grader
enforces every wall-clock timeout by killing the sandbox's process group.

``RLIMIT_NPROC`` is not enforced for a grader that runs as root (the kernel exempts uid 0):
grade as an ordinary user to bound fork bombs as well.

Without ``bwrap`` the grader refuses to run (install it with ``apt-get install bubblewrap``)
unless ``unsafe=True`` (``--unsafe-no-sandbox``): then the worker runs as a plain
subprocess in a temporary directory, with the same limits and timeouts but with read access
to everything the grader can read -- only for trusted code, e.g. your own solutions.
"""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import torch

from gan_course.errors import GanCourseError

from . import worker

GiB = 1024**3
MiB = 1024**2
SCRATCH = "/scratch"  # the only writable directory inside the sandbox
GRADER_DIR = "/grader"  # read-only: worker.py and autograder/harness/
SHM_BYTES = 16 * MiB  # the sandbox's private /dev/shm
NOBODY = 65534  # uid and gid of the student code inside the sandbox
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`)"


class SandboxUnavailable(GanCourseError):
    """bubblewrap is missing or cannot create namespaces here."""


class SandboxCrash(Exception):
    """The sandboxed process timed out, died, or sent something unreadable.

    ``kind`` is ``"timeout"``, ``"crashed"``, ``"memory_limit"`` or ``"unreadable"``.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandbox (per process; the scratch tmpfs for the whole sandbox)."""

    memory_bytes: int = 4 * GiB  # RLIMIT_AS: `import torch` needs more than 2 GiB
    file_bytes: int = 64 * MiB  # RLIMIT_FSIZE: largest file student code may write
    scratch_bytes: int = 256 * MiB  # size of the /scratch tmpfs
    processes: int = 64  # RLIMIT_NPROC (not enforced when the grader runs as root)
    start_timeout: float = 120.0  # seconds to start Python and import torch
    max_reply_bytes: int = worker.MAX_MESSAGE_BYTES

    def as_worker_limits(self) -> dict:
        return {"memory_bytes": self.memory_bytes, "file_bytes": self.file_bytes, "processes": self.processes, "core_bytes": 0}


# --- bubblewrap command line ---------------------------------------------------------------


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@lru_cache(maxsize=None)
def _bwrap_help(path: str) -> str:
    run = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30)
    return run.stdout + run.stderr


def _covered(path: str, binds: Iterable[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds)


def python_paths() -> list[str]:
    """Directories the interpreter, the standard library, torch and numpy live in."""
    import numpy

    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates += [os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable))]
    candidates += list(site.getsitepackages())
    candidates += [str(Path(torch.__file__).parents[1]), str(Path(numpy.__file__).parents[1])]
    paths: list[str] = []
    for candidate in candidates:
        for path in (os.path.abspath(candidate), os.path.realpath(candidate)):
            if os.path.isdir(path) and path not in paths:
                paths.append(path)
    return paths


def hidden_packages(site_dirs: Iterable[str]) -> list[str]:
    """Installed copies of the reference library and the checks: hidden under empty tmpfs."""
    hidden = []
    for directory in site_dirs:
        for name in ("gan_course", "autograder"):
            candidate = os.path.join(directory, name)
            if os.path.isdir(candidate):
                hidden.append(candidate)
    return hidden


def bwrap_command(
    bwrap: str,
    *,
    harness_dir: Path,
    worker_file: Path,
    limits: SandboxLimits,
    protected: Sequence[Path] = (),
) -> list[str]:
    """The ``bwrap ...`` prefix that runs ``python worker.py`` confined (see module docstring).

    Raises SandboxUnavailable when a directory Python needs would expose a ``protected``
    one (for example a virtual environment created at the course directory's root).
    """
    help_text = _bwrap_help(bwrap)
    args = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    if "--disable-userns" in help_text:
        args.append("--disable-userns")
    args += ["--die-with-parent", "--new-session", "--clearenv", "--proc", "/proc", "--dev", "/dev"]
    binds = ["/usr"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
            binds.append(path)
    for path in ("/etc/ld.so.cache", "/etc/alternatives"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in sorted(python_paths(), key=len):
        if not _covered(path, binds):
            args += ["--ro-bind", path, path]
            binds.append(path)
    for secret in protected:
        secret_path = os.path.realpath(secret)
        for bind in binds:
            if _covered(secret_path, [bind]):
                raise SandboxUnavailable(
                    f"the sandbox would have to expose {secret_path} because Python lives in {bind}; "
                    "use a Python environment outside the course, grading and submission directories"
                )
    for hidden in hidden_packages(site.getsitepackages()):
        args += ["--tmpfs", hidden]
    if "--size" in help_text:
        args += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--size", str(limits.scratch_bytes)]
    args += ["--tmpfs", SCRATCH, "--symlink", SCRATCH, "/tmp", "--chdir", SCRATCH]
    args += ["--ro-bind", str(harness_dir), f"{GRADER_DIR}/autograder/harness"]
    args += ["--ro-bind", str(worker_file), f"{GRADER_DIR}/worker.py"]
    for key, value in sandbox_environment(SCRATCH).items():
        args += ["--setenv", key, value]
    args += ["--remount-ro", "/"]  # the sandbox's own root: only /scratch stays writable
    return args


def sandbox_environment(scratch: str) -> dict[str, str]:
    """The whole environment of student code: nothing of the grader's leaks in."""
    return {
        "HOME": scratch,
        "TMPDIR": scratch,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(scratch, ".matplotlib"),
        "GAN_COURSE_BUDGET": "grader",  # gan_course.budget: the autograder's small budget
        "GAN_COURSE_OFFLINE": "1",
    }


@lru_cache(maxsize=None)
def require_sandbox() -> str:
    """The path of a working ``bwrap``; raises SandboxUnavailable naming the fix."""
    path = bwrap_path()
    if path is None:
        raise SandboxUnavailable(
            f"bubblewrap (`bwrap`) is not installed, and student code must not run unsandboxed: {INSTALL_HINT}, "
            "or pass --unsafe-no-sandbox to grade trusted notebooks only"
        )
    probe = subprocess.run(
        [path, "--unshare-all", "--unshare-user", "--ro-bind", "/", "/", shutil.which("true") or "/bin/true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox here ({probe.stderr.strip() or probe.returncode}): enable unprivileged "
            "user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the grader where they work"
        )
    return path


# --- one sandboxed process ----------------------------------------------------------------


def _harness_files() -> tuple[Path, Path]:
    from . import harness

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
            shutil.copytree(harness_dir, root / "grader" / "autograder" / "harness", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copy(worker_file, root / "grader" / "worker.py")
            (root / "scratch").mkdir()
            env = sandbox_environment(str(root / "scratch"))
            command = [sys.executable, "-I", "-B", str(root / "grader" / "worker.py"), str(cmd_fd), str(res_fd), limits]
            return command, env, str(root / "scratch")
        prefix = bwrap_command(require_sandbox(), harness_dir=harness_dir, worker_file=worker_file, limits=self.limits, protected=self.protected)
        return prefix + [sys.executable, "-I", "-B", f"{GRADER_DIR}/worker.py", str(cmd_fd), str(res_fd), limits], None, None

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
            raise SandboxCrash(crash.kind, f"the sandbox did not start: {crash.message} {self._stderr_tail()}".strip()) from None
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
        """Ask the worker to exit, then make sure everything is gone."""
        if self.alive:
            try:
                self._send({"op": "exit"}, time.monotonic() + 2)
                self.process.wait(timeout=2)
            except (SandboxCrash, subprocess.TimeoutExpired, OSError):
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
        plain result dict per probe (see :func:`autograder.harness.run_probe`)."""
        command = {"op": "probe", "function": function, "probes": [(p.harness, p.payload) for p in probes]}
        reply = self._call(command, timeout)
        results = reply.get("results") if isinstance(reply, dict) else None
        if not isinstance(results, list) or len(results) != len(probes) or not all(isinstance(r, dict) for r in results):
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
        (length,) = worker.HEADER.unpack(self._read(worker.HEADER.size, deadline))
        if length > self.limits.max_reply_bytes:
            self.kill()
            raise SandboxCrash("unreadable", f"a reply of {length} bytes is larger than the grader accepts")
        data = self._read(length, deadline)
        try:
            return torch.load(io.BytesIO(data), weights_only=True)
        except Exception as error:  # noqa: BLE001 - anything but plain data is refused
            self.kill()
            raise SandboxCrash("unreadable", f"the reply holds something other than plain data ({type(error).__name__})") from None

    def _died(self) -> SandboxCrash:
        """The crash that explains why the worker's pipe closed."""
        assert self.process is not None
        try:
            status = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            status = self.process.returncode
        self.kill()
        if status is not None and status < 0:
            name = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else str(-status)
            return SandboxCrash("crashed", f"the process was killed by signal {name}")
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
