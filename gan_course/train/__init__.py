"""One trainer for every GAN variant, configured by a dataclass and small YAML overrides.

    from gan_course.train import load_config, resolve, train
    result = train(resolve(load_config("ring", epochs=50)))
    result.run_dir  # runs/ring-mlp-gan/: config.yaml, history.json, samples/, checkpoints/, plots/

| module          | contents                                                         |
|-----------------|------------------------------------------------------------------|
| ``config``      | TrainConfig, STRATEGIES, resolve, load_config, config_to/from_dict |
| ``fields``      | each config field described once: coercion, checks, CLI flags    |
| ``config_checks`` | the rules between config fields (data, model and loss fit)     |
| ``assembly``    | pick_device, model_arguments, make_optimizer, cpu_threads        |
| ``threads``     | auto_threads: torch threads from the cores that are free now     |
| ``trainer``     | Trainer, train, TrainResult: the loop and the steps              |
| ``stats``       | EpochStats: one epoch's losses, scores, w_estimate and penalty   |
| ``speed``       | channels-last layout and torch.compile, with a clean fallback    |
| ``run_writer``  | RunDirWriter: the callback that writes the run directory         |
| ``history``     | History (per-step / per-epoch columns, JSON and CSV), read back through gan_course.run_dir.read_history |
| ``checkpoint``  | save_checkpoint (atomic), load_checkpoint, load_generator        |
| ``state``       | a checkpoint's contents (trainer_state, restore_trainer), RNG states, resume checks |
| ``schedules``   | make_scheduler (none, linear, two-stage)                         |
| ``ema``         | EMA of the generator (Yazici et al. 2019)                        |
| ``standing_stats`` | BatchNorm statistics recomputed for the sampling generator (Brock et al. 2019) |
| ``epoch_metric`` | EpochMetric: the per-epoch metric that picks best.pt (energy distance / sliced Wasserstein) |
| ``outputs``     | save_samples (grid or 2D scatter, one way), final plots, redraw_plots |
| ``tensorboard`` | TensorBoardLogger: RUN_DIR/tensorboard/ event files (on by default) |
| ``monitor``     | ``gan-course monitor``: TensorBoard over runs' event files        |
| ``live``        | LivePlot: loss curves and samples redrawn in place in a notebook |
"""

import importlib

_EXPORTS = {  # name -> the module that defines it; imported on first use (PEP 562), so that
    # `from gan_course.train.critic_step import critic_step` does not import the trainer,
    # matplotlib and TensorBoard (about a second; `gan-course check` needs only critic_step)
    "pick_device": "assembly",
    **dict.fromkeys(("load_checkpoint", "load_generator", "load_models", "save_checkpoint"), "checkpoint"),
    **dict.fromkeys(("STRATEGIES", "TrainConfig", "config_from_dict", "config_to_dict", "load_config", "resolve",
                     "shipped_configs"), "config"),
    "EMA": "ema",
    "History": "history",
    "LivePlot": "live",
    "redraw_plots": "outputs",
    "make_scheduler": "schedules",
    "TensorBoardLogger": "tensorboard",
    **dict.fromkeys(("Trainer", "TrainResult", "train"), "trainer"),
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "EMA", "STRATEGIES", "History", "LivePlot", "TensorBoardLogger", "TrainConfig", "TrainResult", "Trainer", "config_from_dict", "config_to_dict",
    "load_checkpoint", "load_config", "load_generator", "load_models", "redraw_plots", "make_scheduler", "pick_device", "resolve",
    "save_checkpoint", "shipped_configs", "train",
]
