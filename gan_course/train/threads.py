"""How many CPU threads torch should train with: the cores that are free right now.

torch's default is one intra-op thread per core. When another process keeps a core busy, a
thread pinned to that core waits at every parallel region's barrier for a time slice, and the
whole step waits with it: on 2 cores, two threads beside one busy process trained the course's
DCGAN about 8x slower than on the idle machine, while one thread loses only the core it cannot
have. So the trainer (``TrainConfig.threads`` unset) asks :func:`auto_threads`, which

1. counts the cores this process may run on (``os.sched_getaffinity``);
2. measures how many of them other work keeps busy: the non-idle share of each allowed core's
   time in ``/proc/stat`` over a short window (:data:`WINDOW_S`), or, where ``/proc/stat`` is
   missing, the 1-minute load average;
3. keeps one thread per free core (:func:`pick_threads`): ``round(cores - busy)``, at least 1,
   at most torch's current thread count (which follows ``OMP_NUM_THREADS`` and
   ``torch.set_num_threads``, so a caller's limit stands).

The choice is made once, when training starts; it does not follow load that arrives later.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

WINDOW_S = 0.2  # seconds between the two /proc/stat readings (jiffies are 10 ms: 20 per core)
PROC_STAT = Path("/proc/stat")
IDLE_FIELDS = (3, 4)  # idle and iowait among user nice system idle iowait irq softirq steal (guest* are in user)
COUNTED_FIELDS = 8  # user .. steal; guest and guest_nice are already inside user and nice


def allowed_cores() -> list[int]:
    """The CPU ids this process may run on (all of them where affinity is not available)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def parse_proc_stat(text: str) -> dict[int, tuple[int, int]]:
    """``/proc/stat`` text -> {cpu id: (busy jiffies, total jiffies)} for its ``cpuN`` lines."""
    times = {}
    for line in text.splitlines():
        name, *values = line.split()
        if not (name.startswith("cpu") and name[3:].isdigit()):
            continue
        counts = [int(v) for v in values[:COUNTED_FIELDS]]
        idle = sum(counts[i] for i in IDLE_FIELDS if i < len(counts))
        times[int(name[3:])] = (sum(counts) - idle, sum(counts))
    return times


def busy_cores(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]], cores: list[int]) -> float:
    """How many of ``cores`` were busy between two :func:`parse_proc_stat` readings: the sum over
    the cores of each one's busy share of its elapsed time (0 for a core with no elapsed time)."""
    busy = 0.0
    for cpu in cores:
        if cpu not in before or cpu not in after:
            continue
        d_busy, d_total = after[cpu][0] - before[cpu][0], after[cpu][1] - before[cpu][1]
        if d_total > 0:
            busy += min(max(d_busy / d_total, 0.0), 1.0)
    return busy


def pick_threads(cores: int, busy: float, limit: int | None = None) -> int:
    """Threads for ``cores`` usable cores of which ``busy`` (a core count, fractional) are taken:
    ``round(cores - busy)`` (halves up), at least 1, at most ``cores`` and ``limit``."""
    if cores < 1:
        raise ValueError(f"cores must be >= 1, got {cores}")
    free = cores - max(busy, 0.0)
    threads = min(cores, max(1, math.floor(free + 0.5)))
    return threads if limit is None else max(1, min(threads, limit))


def measure_busy(cores: list[int], *, window: float = WINDOW_S, proc_stat: Path = PROC_STAT) -> float:
    """Busy cores among ``cores`` now: /proc/stat over ``window`` seconds, else the 1-minute load
    average (capped at the number of cores), else 0."""
    try:
        before = parse_proc_stat(proc_stat.read_text())
        time.sleep(window)
        after = parse_proc_stat(proc_stat.read_text())
        if any(cpu in before for cpu in cores):
            return busy_cores(before, after, cores)
    except OSError:
        pass
    try:
        return min(os.getloadavg()[0], float(len(cores)))
    except (AttributeError, OSError):
        return 0.0


def auto_threads(*, window: float = WINDOW_S) -> int:
    """torch threads for training now: one per free core, capped by torch's current thread count."""
    import torch

    cores = allowed_cores()
    return pick_threads(len(cores), measure_busy(cores, window=window), limit=torch.get_num_threads())
