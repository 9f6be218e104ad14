"""``gan-course monitor``: TensorBoard on 127.0.0.1 over one or several run directories (beside
:mod:`gan_course.train.tensorboard`, which writes what it shows).

Each run's trainer writes event files into ``RUN_DIR/tensorboard/``
(:mod:`gan_course.train.tensorboard`). TensorBoard (Abadi et al. 2016,
https://arxiv.org/abs/1605.08695) is started as a child process with
``--logdir_spec name:RUN_DIR/tensorboard,...``, so the runs of a comparison appear side by
side under their run names and update while they train. It listens on 127.0.0.1 only: the
page is for the person at this machine (reach it from elsewhere through an SSH tunnel).

    plan = plan_monitor(["runs/cgan-fashion-bce", "runs/cgan-fashion-hinge"], port=6006)
    process = start_monitor(plan)   # returns once TensorBoard answers at plan.url
    ...
    stop_monitor(process)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import CheckpointError, ConfigError, GanCourseError
from ..run_dir import RunDir

DEFAULT_PORT = 6006  # TensorBoard's own default port
HOST = "127.0.0.1"  # loopback only
STARTUP_TIMEOUT = 90.0  # seconds TensorBoard may take to answer (it imports a lot on a slow machine)
POLL_INTERVAL = 0.25  # seconds between readiness probes
STOP_TIMEOUT = 10.0  # seconds to wait after SIGTERM before SIGKILL
SPEC_RESERVED = ",:"  # characters with a meaning in --logdir_spec


@dataclass(frozen=True)
class MonitorPlan:
    """What :func:`start_monitor` runs: ``runs`` maps a display name to the run's event folder."""

    runs: dict[str, Path]
    port: int = DEFAULT_PORT
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def logdir_spec(self) -> str:
        """``name:path,name:path`` (TensorBoard's ``--logdir_spec``)."""
        return ",".join(f"{name}:{path}" for name, path in self.runs.items())

    @property
    def command(self) -> list[str]:
        """The TensorBoard command line, run with this Python."""
        return [sys.executable, "-m", "tensorboard.main", "--logdir_spec", self.logdir_spec, "--host", self.host,
                "--port", str(self.port), "--load_fast", "false"]


def find_run(path: str | os.PathLike) -> Path:
    """The run directory ``path`` (or ``$GAN_COURSE_RUNS/<path>`` for a bare run name), resolved.

    Raises :class:`~gan_course.errors.CheckpointError` when it is not a run directory
    (:meth:`RunDir.locate <gan_course.run_dir.RunDir.locate>`) or has no TensorBoard logs
    and will not get any.
    """
    run = RunDir.locate(path)
    if not run.tensorboard.is_dir():
        config = yaml.safe_load(run.config.read_text(encoding="utf-8")) or {}
        if config.get("tensorboard") is False:
            raise CheckpointError(f"{run.path} was trained with --no-tensorboard, so it has no TensorBoard logs; "
                                  "resume it without that flag (gan-course train ... --resume) or leave it out")
        if run.history.is_file():
            raise CheckpointError(f"{run.path} has no TensorBoard logs ({run.tensorboard.name}/ is missing: trained "
                                  "by an older gan-course); train it again to log, or view plots/ instead")
    return run.path.resolve()


def run_names(runs: list[Path]) -> list[str]:
    """A display name per run: its directory name, made unique with the parent's name (then a number)."""
    def clean(name: str) -> str:
        return "".join("_" if ch in SPEC_RESERVED else ch for ch in name).lstrip("/") or "run"

    names: list[str] = []
    for run in runs:
        name = clean(run.name)
        if name in names:
            name = clean(f"{run.parent.name}/{run.name}")
        base, k = name, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def plan_monitor(run_dirs, *, port: int = DEFAULT_PORT, host: str = HOST) -> MonitorPlan:
    """Check the run directories and the port; the :class:`MonitorPlan` that shows them side by side."""
    run_dirs = list(run_dirs)
    if not run_dirs:
        raise ConfigError("no run directory given; pass one or more, e.g. gan-course monitor runs/ring")
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be a TCP port in 1..65535, got {port}; e.g. --port {DEFAULT_PORT}")
    runs = [find_run(path) for path in run_dirs]
    for run in runs:
        if "," in str(run):
            raise ConfigError(f"{run} contains a comma, which TensorBoard's --logdir_spec cannot hold; "
                              "rename or move the run directory")
    unique = list(dict.fromkeys(runs))  # the same run given twice is shown once
    return MonitorPlan({name: RunDir(run).tensorboard for name, run in zip(run_names(unique), unique)}, port, host)


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether nothing listens on ``host:port`` (a bind test, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_monitor(plan: MonitorPlan, *, timeout: float = STARTUP_TIMEOUT, log=None) -> subprocess.Popen:
    """Start TensorBoard for ``plan`` and return once it answers at ``plan.url``.

    log: a file for TensorBoard's output (default: discarded). Raises ConfigError when the
    port is taken and GanCourseError when TensorBoard exits or does not answer in ``timeout``.
    """
    if not port_is_free(plan.port, plan.host):
        raise ConfigError(f"port {plan.port} on {plan.host} is already in use (another TensorBoard?); "
                          f"pass another one, e.g. --port {plan.port + 1}")
    process = subprocess.Popen(plan.command, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise GanCourseError(f"TensorBoard exited with status {process.returncode} before serving "
                                     f"{plan.url}; run it by hand to see why: {' '.join(plan.command)}")
            try:
                with urllib.request.urlopen(plan.url, timeout=2):
                    return process
            except (urllib.error.URLError, OSError):
                time.sleep(POLL_INTERVAL)
    except BaseException:  # Ctrl-C while waiting: leave no TensorBoard behind
        stop_monitor(process)
        raise
    stop_monitor(process)
    raise GanCourseError(f"TensorBoard did not answer at {plan.url} within {timeout:.0f} s; "
                         f"run it by hand to see why: {' '.join(plan.command)}")


def stop_monitor(process: subprocess.Popen) -> int:
    """Terminate TensorBoard (SIGTERM, then SIGKILL after a grace period); its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
