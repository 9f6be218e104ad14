"""Several trainers at once, one forked process each, sharing the free CPU cores.

The course's small image models do not use two cores well: on the 2-core machines a
conditional GAN trained 8 epochs in 102.7 s with two torch threads and in 119.5 s with one
thread while a second run trained beside it (benchmarks/README.md), so two runs side by side
finish in little more than the time of one. A comparison of several recipes (assignment 05's
four loss strategies) therefore fits about 1.6 times the training into the same wall time when
its runs share the cores instead of taking turns.

:func:`fit_side_by_side` forks one child per trainer, at most ``jobs`` at a time, each with
``free cores // jobs`` torch threads (a trainer whose config fixes ``threads`` keeps it), the
longest runs first (most planned iterations: the longest-processing-time rule, Graham 1969,
"Bounds on Multiprocessing Timing Anomalies"), so that a long run does not start last. A child
runs ``trainer.fit()``, which writes the run directory as usual, and sends back its
:class:`~gan_course.train.trainer.TrainResult`; the parent then loads the finished state from
the run's ``checkpoints/latest.pt`` into its own trainer, so ``trainer.G``, ``trainer.ema`` and
``trainer.sampler`` hold the trained weights exactly as after an in-process ``fit``. Forking
keeps whatever the caller defined (a notebook's own loss functions) without pickling it.

Without the ``fork`` start method (Windows), on a GPU (CUDA cannot be used again in a forked
child), with one trainer or one free core, the trainers are fitted one after the other in
this process instead, with the same results.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
import traceback
from typing import Mapping

import torch

from .state import restore_trainer
from .threads import auto_threads

logger = logging.getLogger(__name__)

POLL_S = 0.2  # how often the parent looks for a finished child


class SideBySideError(RuntimeError):
    """A run that trained in a child process failed; the message carries the child's traceback."""


def _child(trainer, overwrite: bool, threads: int, sender) -> None:
    """The forked process: fit with ``threads`` torch threads, send ("ok", result) or ("error", ...)."""
    try:
        torch.set_num_threads(threads)  # also caps auto_threads when the config leaves threads unset
        result = trainer.fit(overwrite=overwrite)
        sender.send(("ok", result))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
        try:
            sender.send(("error", error, traceback.format_exc()))
        except Exception:  # the exception itself does not pickle: its text does
            sender.send(("error", None, traceback.format_exc()))
    finally:
        sender.close()


def can_fork(trainers) -> bool:
    """True when the trainers may train in forked children: ``fork`` exists and all are on the CPU."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and all(trainer.device.type == "cpu" for trainer in trainers))


def fit_side_by_side(trainers: Mapping[str, object], *, jobs: int | None = None,
                     overwrite: bool = False) -> dict[str, object]:
    """Fit every trainer in ``trainers`` ({name: Trainer}), up to ``jobs`` at a time.

    jobs: how many train at once (default: one per free core, at most one per trainer). Each
    child gets ``max(1, free cores // jobs)`` torch threads; the runs with the most planned
    iterations start first (ties in the given order). overwrite: as ``Trainer.fit``.
    Returns {name: TrainResult} in the order of ``trainers``; ``wall_time`` is each run's own
    time from its start to its end. Raises :class:`SideBySideError` naming the run when a child
    fails (after the other running children have finished), or the child's own exception when
    it can be sent back (a :class:`~gan_course.errors.TrainingDiverged`, say). When the caller is
    interrupted (a notebook's stop button), the running children are terminated before the
    ``KeyboardInterrupt`` propagates.
    """
    names = list(trainers)
    free = auto_threads()
    jobs = max(1, min(len(names), free if jobs is None else jobs))
    if jobs == 1 or not can_fork(trainers.values()):
        return {name: trainers[name].fit(overwrite=overwrite) for name in names}
    threads = max(1, free // jobs)
    logger.info("training %d runs, %d at a time with %d torch thread(s) each", len(names), jobs, threads)
    context = multiprocessing.get_context("fork")
    longest_first = sorted(names, key=lambda name: -trainers[name].total_steps_planned())  # stable: ties keep order
    waiting, running, results, failures = longest_first, {}, {}, []
    try:
        while waiting or running:
            while waiting and len(running) < jobs and not failures:
                name = waiting.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(trainers[name], overwrite, threads, sender),
                                          name=f"fit-{name}", daemon=False)
                process.start()
                sender.close()  # the child holds the only writing end
                running[name] = (process, receiver, time.perf_counter())
            if failures:
                waiting.clear()  # start nothing more; let the running ones finish
            for name, (process, receiver, started) in list(running.items()):
                if not receiver.poll(POLL_S / len(running)) and process.is_alive():
                    continue
                gone = ("error", None, f"the process exited with code {process.exitcode} and no result")
                message = receiver.recv() if receiver.poll() else gone
                process.join()
                receiver.close()
                del running[name]
                if message[0] == "ok":
                    trainer = trainers[name]
                    restore_trainer(trainer, trainer.checkpoint_path)  # the trained state, into this process
                    result = message[1]
                    result.wall_time = time.perf_counter() - started
                    results[name] = result
                else:
                    failures.append((name, message[1], message[2]))
    except BaseException:  # an interrupted notebook cell (KeyboardInterrupt) or a failure here: no orphans
        for process, receiver, _ in running.values():
            process.terminate()
            process.join()
            receiver.close()
        raise
    if failures:
        name, error, text = failures[0]
        logger.error("run %r failed in its training process:\n%s", name, text)
        if isinstance(error, Exception):
            raise error
        raise SideBySideError(f"run {name!r} failed in its training process:\n{text}")
    return {name: results[name] for name in names}
