"""Provenance of a stored result: the exact commands, seed, package version, hardware and wall
time that produced it, kept beside it as ``run.json``.

A number in the course book is only as good as the record of how it was made: the record says
which command to type to make it again and on what machine it took how long, so a reader can
tell a slow machine from a slow method. Written atomically (temporary file, then rename).

``run.json`` (format 1)::

    {"format": 1, "name": "ring", "description": "...", "seed": 0,
     "commands": [{"argv": ["gan-course", "train", ...], "wall_time_s": 9.8, "returncode": 0}],
     "wall_time_s": 14.2, "gan_course_version": "0.1.0", "torch_version": "...",
     "hardware": {"cpu_model": "...", "cpu_cores": 2, "torch_threads": 1, "device": "cpu", ...},
     "started": "2026-11-23T16:40:00+00:00", "quick": false}
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ResultError
from ..atomic import write_json_atomic

RUN_RECORD = "run.json"  # the provenance file inside every stored result
RUN_RECORD_FORMAT = 1
CPUINFO = Path("/proc/cpuinfo")  # Linux: the CPU model name


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform.processor()``), or "unknown"."""
    try:
        for line in CPUINFO.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def hardware(*, torch_threads: int | None = None, device: str | None = None) -> dict[str, Any]:
    """What the runs ran on: CPU model, logical cores, torch threads, device (and GPU name when used).

    torch_threads / device: what the runs were told to use (default: torch's current thread
    count and ``"cuda"`` when a GPU is visible, else ``"cpu"``).
    """
    import torch

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    info = {"cpu_model": cpu_model(), "cpu_cores": os.cpu_count(), "torch_threads": torch_threads or torch.get_num_threads(),
            "device": device, "platform": platform.platform(), "python": platform.python_version()}
    if device == "cuda" and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def run_record(*, name: str, commands: Sequence[Mapping[str, Any]], seed: int | None, wall_time_s: float,
               description: str = "", hardware_info: Mapping[str, Any] | None = None, started: str | None = None,
               quick: bool = False) -> dict[str, Any]:
    """The ``run.json`` dict of one stored result (see the module docstring for the layout).

    commands: one mapping per command, at least ``argv`` (list of str) and ``wall_time_s``.
    """
    import torch

    from .. import __version__

    for command in commands:
        if not isinstance(command.get("argv"), (list, tuple)) or "wall_time_s" not in command:
            raise ValueError(f"each command needs 'argv' (a list) and 'wall_time_s', got {dict(command)!r}")
    return {"format": RUN_RECORD_FORMAT, "name": name, "description": description, "seed": seed,
            "commands": [dict(c, argv=[str(a) for a in c["argv"]]) for c in commands],
            "wall_time_s": float(wall_time_s), "gan_course_version": __version__, "torch_version": torch.__version__,
            "hardware": dict(hardware_info) if hardware_info is not None else hardware(),
            "started": started or now_iso(), "quick": bool(quick)}


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def write_run_record(directory: str | os.PathLike, record: Mapping[str, Any]) -> Path:
    """Write ``record`` (from :func:`run_record`) as ``directory/run.json``, atomically."""
    return write_json_atomic(Path(directory) / RUN_RECORD, dict(record))


def read_run_record(directory: str | os.PathLike) -> dict[str, Any]:
    """The ``run.json`` of a stored result; :class:`~gan_course.errors.ResultError` naming the fix
    when it is missing or broken."""
    path = Path(directory) / RUN_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultError(f"no {RUN_RECORD} in {directory}; re-create the result with book/reproduce.py") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ResultError(f"{path} is not valid JSON ({error}); re-create the result with book/reproduce.py") from None
    if not isinstance(data, dict) or data.get("format") != RUN_RECORD_FORMAT:
        raise ResultError(f"{path} is not a run.json of format {RUN_RECORD_FORMAT}; re-create it with book/reproduce.py")
    return data
