"""Is every configuration field described once, and are its coercion, its check and its
command-line flag (with help and the shown default) all generated from that description?"""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from gan_course.cli import build_parser
from gan_course.cli.train import config_from_args
from gan_course.errors import ConfigError
from gan_course.train import TrainConfig
from gan_course.train.fields import FieldSpec, describe


def _train_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return subparsers.choices["train"]


def _actions_by_dest() -> dict[str, argparse.Action]:
    return {action.dest: action for action in _train_parser()._actions}


def test_every_field_has_a_flag_help_and_a_shown_default():
    """Does `gan-course train --help` list each field's flag, help and default?"""
    actions = _actions_by_dest()
    text = _train_parser().format_help()
    for spec in describe(TrainConfig):
        action = actions.get(spec.name)
        assert action is not None, f"{spec.name} has no flag"
        assert spec.flag in action.option_strings and spec.flag in text
        assert action.help and action.help.startswith(spec.help.replace("%", "%%")), spec.name
        assert f"(default: {spec.shown_default()})" in action.help, spec.name
        assert action.default is None, "an unset option must keep the --config value"


@pytest.mark.parametrize(("name", "shown"), [("epochs", "20"), ("lr_milestones", "0.5 0.75"), ("lr_gamma", "0.1"),
                                             ("tensorboard", "on"), ("loss", "the strategy's"), ("ema_decay", "no EMA")])
def test_shown_defaults_are_the_dataclass_defaults(name, shown):
    spec = next(s for s in describe(TrainConfig) if s.name == name)
    assert spec.shown_default() == shown


def test_the_fields_that_had_no_flag_now_reach_the_config():
    args = _train_parser().parse_args(["--lr-schedule", "two-stage", "--lr-milestones", "0.3", "0.6", "--lr-gamma",
                                       "0.5", "--grid-size", "16", "--fid-samples", "50"])
    config = config_from_args(args)
    assert (config.lr_milestones, config.lr_gamma, config.grid_size, config.fid_samples) == ((0.3, 0.6), 0.5, 16, 50)


def test_the_old_flags_keep_working():
    args = _train_parser().parse_args(["--data-path", "/tmp/x", "--ema", "0.99", "--out", "/tmp/runs", "--betas",
                                       "0.0", "0.9", "--no-progress", "--no-tensorboard", "--name", "x"])
    values = {name: getattr(args, name) for name in ("dataset_path", "ema_decay", "out_dir", "betas", "progress",
                                                      "tensorboard")}
    assert values == {"dataset_path": "/tmp/x", "ema_decay": 0.99, "out_dir": "/tmp/runs", "betas": [0.0, 0.9],
                      "progress": False, "tensorboard": False}
    assert config_from_args(args).betas == (0.0, 0.9)


def test_coercion_follows_the_annotation():
    specs = {spec.name: spec for spec in describe(TrainConfig)}
    assert specs["lr_d"].coerce("2e-4") == 2e-4 and specs["epochs"].coerce(3.0) == 3
    assert specs["lr_milestones"].coerce([0.25, "0.5"]) == (0.25, 0.5)
    assert specs["betas"].arity == 2 and specs["lr_milestones"].arity == 0 and specs["width"].optional
    for name, bad, kind in (("epochs", 2.5, "an integer"), ("epochs", True, "an integer"), ("lr_g", False, "a number"),
                            ("betas", "0.5", "a list of numbers"), ("progress", "yes", "true or false")):
        with pytest.raises(ConfigError, match=f"{name} must be {kind}"):
            specs[name].coerce(bad)


def test_a_field_without_a_description_is_refused():
    @dataclasses.dataclass
    class Undescribed:
        epochs: int = 3

    with pytest.raises(TypeError, match="no description"):
        describe(Undescribed)


def test_every_field_spec_names_a_real_type():
    for spec in describe(TrainConfig):
        assert isinstance(spec, FieldSpec) and spec.kind in (int, float, str, bool), spec.name
