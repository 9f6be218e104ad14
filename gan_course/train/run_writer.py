"""Writing a run directory while training: a trainer callback, like the TensorBoard logger.

The trainer keeps the loop and the steps; :class:`RunDirWriter` (always the first callback,
so that the files are on disk before any other callback sees the epoch) writes:

| when                | files                                                            |
|---------------------|------------------------------------------------------------------|
| the run starts      | ``config.yaml`` (the resolved configuration)                     |
| each epoch          | ``checkpoints/latest.pt`` (and ``best.pt`` when the epoch improved the score), ``samples/epoch_XXXX.png`` every ``sample_every`` epochs and after the last, ``history.json``, ``history.csv``, ``history_steps.csv`` |
| the run finishes    | ``plots/`` (losses, scores; for 2D data the scatter and the critic) |

With ``config.plots`` False (the course notebooks under the grader's budget) nothing is drawn
with matplotlib: no ``plots/`` and no 2D ``samples/`` scatters (image grids are still written).

The names come from the run's :class:`~gan_course.run_dir.RunDir` (``trainer.run``).
Every file is written atomically (:mod:`gan_course.atomic`), so a reader (``gan-course
monitor``, a notebook) never sees half of one.
"""

from __future__ import annotations

from .checkpoint import save_checkpoint
from .config import save_config
from .outputs import save_final_plots, save_samples


class RunDirWriter:
    """Trainer callback writing the run directory ``trainer.run`` (see the module docstring)."""

    def on_fit_start(self, trainer) -> None:
        """Write ``config.yaml``."""
        save_config(trainer.config, trainer.run.config)

    def on_epoch_end(self, trainer, record: dict) -> None:
        """Checkpoints, the epoch's samples when due, and the history."""
        run, c = trainer.run, trainer.config
        state = trainer.state_dict()
        save_checkpoint(run.latest, state)
        if trainer.improved:
            save_checkpoint(run.best, state)
        samples = trainer.sample_grid(trainer.last_samples)
        due = trainer.epoch % c.sample_every == 0 or trainer.finished
        if due and (c.plots or samples.dim() == 4):  # a 2D scatter is a matplotlib figure
            save_samples(samples, run.epoch_samples(trainer.epoch),
                         real=trainer.metric.real, title=f"{c.name}: epoch {trainer.epoch}")
        trainer.history.to_json(run.history)
        trainer.history.to_csv(run.history_csv, steps_path=run.history_steps_csv)

    def on_fit_end(self, trainer) -> None:
        """The final plots, drawn from the whole history and the fixed-noise samples."""
        if not trainer.config.plots:
            return
        fake = trainer.metric.samples(trainer.sampler)
        save_final_plots(trainer.run_dir, trainer.history, discriminator=trainer.D, real=trainer.metric.real,
                         fake=fake, probabilities=trainer.loss.outputs_are_logits)
