"""The confinement of student code: bubblewrap's command line and the sandbox's limits.

Student code runs under bubblewrap (``bwrap``, the unprivileged sandbox of Flatpak,
https://github.com/containers/bubblewrap, 0.8 on Debian 12): every namespace
unshared (no network, its own PID tree, its own user ``nobody`` with no capabilities and no
further user namespaces), read-only binds of only what Python and torch need (``/usr``, the
interpreter's prefix, the virtual environment) and the harness, a fresh size-capped tmpfs as
``/scratch`` (cwd, ``HOME``, ``TMPDIR``) and another as ``/tmp``, a private 16 MiB ``/dev/shm``, the root
remounted read-only, ``--die-with-parent`` and ``--new-session``, and a whole new environment.
The course directory, the solutions, :mod:`gan_course.course.checks`, other submissions, the
gradebook and :mod:`gan_course` are simply not there; an installed (not editable) copy of
``gan_course`` or ``autograder`` inside a bound directory is hidden under an empty tmpfs, and
a bind that would contain a protected directory is refused.

Resource limits (:class:`SandboxLimits`) are set by the worker on itself before it imports
torch: ``RLIMIT_AS``, ``RLIMIT_FSIZE``, ``RLIMIT_NPROC``, ``RLIMIT_CORE = 0``.
``RLIMIT_NPROC`` is not enforced when the grader runs as root (the kernel exempts uid 0):
grade as an ordinary user to bound fork bombs too.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import torch

from gan_course.course.contract import BUDGET_VARIABLE, GRADER_BUDGET
from gan_course.course.harness import reply as replies
from gan_course.errors import GanCourseError

from . import worker

GiB = 1024**3
MiB = 1024**2
SCRATCH = "/scratch"  # the only writable directory inside the sandbox
GRADER_DIR = "/grader"  # read-only: worker.py and gan_course/course/harness/ (as course_harness/)
SHM_BYTES = 16 * MiB  # the sandbox's private /dev/shm
NOBODY = 65534  # uid and gid of the student code inside the sandbox
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`)"


class SandboxUnavailable(GanCourseError):
    """bubblewrap is missing or cannot create namespaces here."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandbox (per process; the scratch tmpfs for the whole sandbox)."""

    memory_bytes: int = 4 * GiB  # RLIMIT_AS: `import torch` (CUDA build) fails with 3 GiB
    file_bytes: int = 64 * MiB  # RLIMIT_FSIZE: largest file student code may write
    scratch_bytes: int = 256 * MiB  # size of the /scratch tmpfs
    processes: int = 64  # RLIMIT_NPROC (not enforced when the grader runs as root)
    start_timeout: float = 120.0  # seconds to start Python and import torch
    max_reply_bytes: int = replies.MAX_MESSAGE_BYTES  # one reply's bytes
    max_reply_elements: int = replies.MAX_REPLY_ELEMENTS  # tensor elements in one reply

    def as_worker_limits(self) -> dict:
        return {"memory_bytes": self.memory_bytes, "file_bytes": self.file_bytes, "processes": self.processes, "core_bytes": 0}


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


def hidden_packages(binds: Iterable[str]) -> list[str]:
    """Installed copies of the reference library and the checks that a bind would expose
    (in any ``sys.path`` or site-packages directory): hidden under an empty tmpfs."""
    binds = list(binds)
    directories = list(sys.path) + list(site.getsitepackages()) + list(site.getsitepackages([sys.base_prefix]))
    hidden: list[str] = []
    for directory in directories:
        for name in ("gan_course", "autograder"):
            candidate = os.path.realpath(os.path.join(directory or ".", name))
            if os.path.isdir(candidate) and _covered(candidate, binds) and candidate not in hidden:
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
    # A private /tmp first: binds below it (a virtual environment under /tmp, as in a CI clone)
    # are then mounted on top of it instead of making /tmp a read-only directory.
    if "--size" in help_text:
        args += ["--size", str(limits.scratch_bytes)]
    args += ["--tmpfs", "/tmp"]
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
    for hidden in hidden_packages(binds):
        args += ["--tmpfs", hidden]
    if "--size" in help_text:
        args += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--size", str(limits.scratch_bytes)]
    args += ["--tmpfs", SCRATCH, "--chdir", SCRATCH]
    args += ["--ro-bind", str(harness_dir), f"{GRADER_DIR}/{worker.HARNESS_PACKAGE}"]
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
        BUDGET_VARIABLE: GRADER_BUDGET,  # gan_course.budget: the autograder's small budget
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
