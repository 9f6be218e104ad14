"""Trainers fitted side by side in forked processes end exactly as when fitted one after the other."""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import replace

import pytest
import torch

from gan_course.losses import get_loss
from gan_course.train import Trainer
from gan_course.train.side_by_side import fit_side_by_side

from .conftest import parameters_of


def _trainers(tiny_config, ring_data, tag: str, **pieces):
    return {name: Trainer(tiny_config(name=f"{tag}-{name}", seed=seed, ema_decay=0.9), data=ring_data,
                          **pieces.get(name, {}))
            for name, seed in (("a", 0), ("b", 1), ("c", 2))}


def test_side_by_side_matches_one_after_the_other(tiny_config, ring_data, no_plots):
    trainers = _trainers(tiny_config, ring_data, "alone")
    alone = {name: trainer.fit() for name, trainer in trainers.items()}
    together_trainers = _trainers(tiny_config, ring_data, "together")
    together = fit_side_by_side(together_trainers, jobs=2)
    assert list(together) == ["a", "b", "c"]
    for name in alone:
        assert together[name].steps == alone[name].steps == 8  # 2 epochs of 4 batches
        assert together[name].history.epochs["metric"] == alone[name].history.epochs["metric"]
        # the parent's trainer now holds the trained state: live G, its average and the counters
        for module in ("G", "D"):
            ours = parameters_of(getattr(together_trainers[name], module))
            theirs = parameters_of(getattr(trainers[name], module))
            assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
        ema_ours, ema_theirs = parameters_of(together_trainers[name].sampler), parameters_of(trainers[name].sampler)
        assert all(torch.equal(ema_ours[k], ema_theirs[k]) for k in ema_theirs)
        assert together_trainers[name].step == 8 and together_trainers[name].epoch == 2
    # different seeds really trained different models (the comparison above is not vacuous)
    a, b = parameters_of(together_trainers["a"].G), parameters_of(together_trainers["b"].G)
    assert not all(torch.equal(a[k], b[k]) for k in a)


def test_the_longest_runs_start_first(tiny_config, ring_data, no_plots, monkeypatch):
    """With fewer jobs than runs, a long run must not wait for the short ones (it would finish last)."""
    started, fork = [], multiprocessing.get_context("fork")

    class RecordingContext:  # the fork context, noting which run each started process trains
        Pipe = staticmethod(fork.Pipe)

        def Process(self, *args, name, **kwargs):
            started.append(name)
            return fork.Process(*args, name=name, **kwargs)

    monkeypatch.setattr("gan_course.train.side_by_side.multiprocessing.get_context", lambda *_: RecordingContext())
    trainers = {name: Trainer(tiny_config(name=f"order-{name}", epochs=epochs), data=ring_data)
                for name, epochs in (("short", 1), ("long", 3), ("middle", 2), ("also-short", 1))}
    results = fit_side_by_side(trainers, jobs=2)
    assert started == ["fit-long", "fit-middle", "fit-short", "fit-also-short"]  # ties keep the given order
    assert list(results) == ["short", "long", "middle", "also-short"]  # returned in the caller's order
    assert [r.steps for r in results.values()] == [4, 12, 8, 4]


def _failing_loss(*args, **kwargs):
    raise ValueError("boom: the student's loss failed")


def test_a_failing_run_raises_its_own_error_in_the_parent(tiny_config, ring_data, no_plots):
    broken = replace(get_loss("bce"), d_loss=_failing_loss)
    trainers = _trainers(tiny_config, ring_data, "fail", b={"loss": broken})
    with pytest.raises(ValueError, match="boom: the student's loss failed"):
        fit_side_by_side(trainers, jobs=2)
    assert trainers["a"].checkpoint_path.is_file()  # the run beside it finished and wrote its checkpoint


def test_one_job_fits_in_this_process(tiny_config, ring_data, no_plots, monkeypatch):
    monkeypatch.setattr("gan_course.train.side_by_side.multiprocessing.get_context",
                        lambda *_: pytest.fail("one job must not fork"))
    results = fit_side_by_side(_trainers(tiny_config, ring_data, "one"), jobs=1)
    assert [r.steps for r in results.values()] == [8, 8, 8]


def _slow_loss(*args, **kwargs):
    time.sleep(60)
    raise AssertionError("the interrupted run was not stopped")


def test_an_interrupt_stops_the_running_children(tiny_config, ring_data, no_plots, monkeypatch):
    started, fork = [], multiprocessing.get_context("fork")

    class RecordingContext:  # the fork context, keeping the processes it starts
        Pipe = staticmethod(fork.Pipe)

        def Process(self, *args, **kwargs):
            started.append(fork.Process(*args, **kwargs))
            return started[-1]

    monkeypatch.setattr("gan_course.train.side_by_side.multiprocessing.get_context", lambda *_: RecordingContext())
    slow = replace(get_loss("bce"), d_loss=_slow_loss)
    trainers = _trainers(tiny_config, ring_data, "stop", a={"loss": slow}, b={"loss": slow})

    def interrupt(*_):
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)  # the student presses stop one second in
    try:
        with pytest.raises(KeyboardInterrupt):
            fit_side_by_side(trainers, jobs=2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    # both runs were stopped (terminated), not left training in the background or waited for
    assert [process.exitcode for process in started] == [-signal.SIGTERM] * 2
    assert multiprocessing.active_children() == []
