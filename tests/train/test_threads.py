"""The thread count picked from the free cores (gan_course.train.threads), fed synthetic readings."""

from __future__ import annotations

import pytest
import torch

from gan_course.train import threads as T

# Two /proc/stat readings 100 jiffies apart per core: cpu0 fully busy (user), cpu1 idle,
# cpu2 busy 30 % of the time (system), cpu3 waiting on I/O (counted free).
BEFORE = """cpu  100 0 100 1000 0 0 0 0 0 0
cpu0 10 0 10 100 0 0 0 0 0 0
cpu1 10 0 10 100 0 0 0 0 0 0
cpu2 10 0 10 100 0 0 0 0 0 0
cpu3 10 0 10 100 0 0 0 0 0 0
intr 12345 0 0
ctxt 999
"""
AFTER = """cpu  300 0 200 2000 0 0 0 0 0 0
cpu0 110 0 10 100 0 0 0 0 5 5
cpu1 10 0 10 200 0 0 0 0 0 0
cpu2 10 0 40 170 0 0 0 0 0 0
cpu3 10 0 10 100 100 0 0 0 0 0
intr 23456 0 0
"""


def test_parse_proc_stat_reads_per_core_busy_and_total_jiffies_and_skips_guest_time():
    before, after = T.parse_proc_stat(BEFORE), T.parse_proc_stat(AFTER)
    assert sorted(before) == [0, 1, 2, 3]  # the aggregate "cpu" line and other lines are not cores
    assert before[0] == (20, 120)
    assert after[0] == (120, 220)  # guest 5 + guest_nice 5 are inside user already: not counted twice
    assert after[3] == (20, 220)  # iowait is idle time


@pytest.mark.parametrize(("cores", "busy"), [([0], 1.0), ([1], 0.0), ([2], 0.3), ([3], 0.0), ([0, 1, 2, 3], 1.3),
                                             ([1, 3], 0.0), ([0, 2], 1.3), ([0, 7], 1.0)])
def test_busy_cores_sums_each_allowed_cores_busy_share(cores, busy):
    assert T.busy_cores(T.parse_proc_stat(BEFORE), T.parse_proc_stat(AFTER), cores) == pytest.approx(busy)


def test_a_core_with_no_elapsed_time_counts_as_free():
    same = T.parse_proc_stat(BEFORE)
    assert T.busy_cores(same, same, [0, 1, 2, 3]) == 0.0


@pytest.mark.parametrize(("cores", "busy", "expected"), [
    (2, 0.0, 2),    # idle machine: one thread per core
    (2, 0.05, 2),   # background noise does not cost a thread
    (2, 0.5, 2),    # half a core busy: round half up keeps both
    (2, 0.6, 1),    # more than half a core taken: one thread
    (2, 1.0, 1),    # one busy process beside us: the collapse case of issue 15
    (2, 7.0, 1),    # overloaded: never fewer than one thread
    (8, 2.2, 6),
    (8, 0.0, 8),
    (1, 0.9, 1),
    (4, -0.3, 4),   # a negative reading (counter wrap) counts as idle
])
def test_pick_threads_keeps_one_thread_per_free_core(cores, busy, expected):
    assert T.pick_threads(cores, busy) == expected


def test_pick_threads_respects_the_callers_limit_and_rejects_no_cores():
    assert T.pick_threads(8, 0.0, limit=3) == 3
    assert T.pick_threads(8, 6.0, limit=3) == 2
    assert T.pick_threads(2, 0.0, limit=0) == 1
    with pytest.raises(ValueError, match="cores must be >= 1"):
        T.pick_threads(0, 0.0)


def test_measure_busy_reads_proc_stat_twice_over_the_window(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    readings = iter([BEFORE, AFTER])
    monkeypatch.setattr(T.time, "sleep", lambda s: stat.write_text(next(readings)))
    stat.write_text(next(readings))
    assert T.measure_busy([0, 1], window=0.0, proc_stat=stat) == pytest.approx(1.0)


def test_measure_busy_falls_back_to_the_load_average_capped_at_the_cores(tmp_path, monkeypatch):
    monkeypatch.setattr(T.os, "getloadavg", lambda: (5.0, 1.0, 1.0))
    assert T.measure_busy([0, 1], proc_stat=tmp_path / "missing") == 2.0
    monkeypatch.setattr(T.os, "getloadavg", lambda: (0.7, 1.0, 1.0))
    assert T.measure_busy([0, 1], proc_stat=tmp_path / "missing") == pytest.approx(0.7)


def test_auto_threads_combines_affinity_busy_cores_and_torchs_limit(monkeypatch):
    monkeypatch.setattr(T, "allowed_cores", lambda: [0, 1, 2, 3])
    monkeypatch.setattr(T, "measure_busy", lambda cores, window: 1.0 if cores == [0, 1, 2, 3] else 99.0)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        assert T.auto_threads() == 3
        torch.set_num_threads(2)
        assert T.auto_threads() == 2  # torch's current count (OMP_NUM_THREADS, set_num_threads) caps it
    finally:
        torch.set_num_threads(before)


class _ThreadsSeen:
    """Records torch's thread count at every logged step."""

    def __init__(self):
        self.seen = set()

    def on_step_end(self, trainer, record):
        self.seen.add(torch.get_num_threads())


@pytest.mark.parametrize(("threads", "expected"), [(None, 3), (2, 2)])
def test_the_trainer_uses_the_free_cores_when_threads_is_unset_and_restores_the_count(
        tiny_config, ring_data, no_plots, monkeypatch, threads, expected):
    from gan_course.train import train

    calls = []
    monkeypatch.setattr(T, "auto_threads", lambda **kwargs: calls.append(kwargs) or 3)
    seen = _ThreadsSeen()
    before = torch.get_num_threads()
    train(tiny_config(threads=threads, epochs=1, tensorboard=False), data=ring_data, callbacks=[seen])
    assert seen.seen == {expected}
    assert len(calls) == (1 if threads is None else 0)  # picked once, and only when unset
    assert torch.get_num_threads() == before
