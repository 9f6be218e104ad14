"""Does the training configuration resolve presets, read YAML overrides and refuse every
inconsistent setting with a message that names the fix?"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from gan_course.errors import ConfigError
from gan_course.losses import CLIP_VALUE, GP_WEIGHT
from gan_course.train import STRATEGIES, TrainConfig, config_from_dict, config_to_dict, load_config, resolve
from gan_course.train.config import CONFIGS_DIR, FIELD_NAMES, shipped_configs


def test_default_config_resolves_to_the_dcgan_preset(isolated_home):
    """Are the None fields filled from the 'gan' strategy, with the derived name and out_dir?"""
    config = resolve(TrainConfig())
    assert (config.loss, config.regularizer, config.n_critic, config.optimizer) == ("bce", "none", 1, "adam")
    assert (config.lr_g, config.lr_d, config.betas) == (2e-4, 2e-4, (0.5, 0.999))
    assert config.name == "ring-mlp-gan"
    assert Path(config.out_dir) == isolated_home / "runs"


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_every_strategy_preset_is_applied(strategy):
    """Does resolve copy each preset value into the config?"""
    config = resolve(TrainConfig(strategy=strategy))
    for key, value in STRATEGIES[strategy].items():
        expected = tuple(value) if isinstance(value, (list, tuple)) else value
        if key == "betas" and value is None:
            continue  # RMSprop has no betas
        assert getattr(config, key) == expected, key


def test_wgan_presets_carry_the_paper_constants():
    clip = resolve(TrainConfig(strategy="wgan-clip"))
    assert (clip.loss, clip.regularizer, clip.clip_value, clip.n_critic, clip.optimizer, clip.lr_d) == (
        "wasserstein", "clip", CLIP_VALUE, 5, "rmsprop", 5e-5)
    gp = resolve(TrainConfig(strategy="wgan-gp"))
    assert (gp.regularizer, gp.reg_weight, gp.n_critic, gp.lr_g, gp.betas) == ("gp", GP_WEIGHT, 5, 1e-4, (0.0, 0.9))


def test_explicit_values_win_over_the_preset():
    config = resolve(TrainConfig(strategy="wgan-gp", lr_d=4e-4, n_critic=2, name="mine"))
    assert (config.lr_d, config.lr_g, config.n_critic, config.name) == (4e-4, 1e-4, 2, "mine")


def test_resolve_is_idempotent():
    once = resolve(TrainConfig(strategy="hinge", model="sngan", dataset="fashion-mnist"))
    assert resolve(once) == once


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"model": "resnet"}, ["unknown model 'resnet'", "mlp", "dcgan"]),
        ({"dataset": "imagenet"}, ["unknown dataset 'imagenet'", "fashion-mnist", "--dataset"]),
        ({"strategy": "wgan"}, ["unknown strategy 'wgan'", "wgan-gp", "--strategy"]),
        ({"loss": "kl"}, ["unknown loss 'kl'", "hinge", "--loss"]),
        ({"regularizer": "dropout"}, ["unknown regularizer 'dropout'", "gp", "--regularizer"]),
        ({"optimizer": "sgd"}, ["unknown optimizer 'sgd'", "adam, rmsprop"]),
        ({"lr_schedule": "cosine"}, ["unknown learning-rate schedule 'cosine'", "two-stage"]),
        ({"model": "dcgan"}, ["needs images", "use --model mlp"]),
        ({"model": "cgan", "dataset": "celeba", "image_size": 32}, ["conditional", "labelled dataset"]),
        ({"model": "dcgan", "dataset": "fashion-mnist", "strategy": "wgan-gp"},
         ["BatchNorm mixes samples", "--model wgan", "--model sngan"]),
        ({"loss": "wasserstein"}, ["Lipschitz", "add --regularizer gp or clip", "--model sngan"]),
        ({"model": "wgan", "dataset": "fashion-mnist", "loss": "wasserstein", "regularizer": "r1"},
         ["add --regularizer gp or clip"]),
        ({"strategy": "hinge", "real_label": 0.9}, ["no real target", "--real-label 1.0"]),
        ({"lr_d": 0.0}, ["lr_d must be a positive", "--lr-d"]),
        ({"lr_g": -1e-4}, ["lr_g must be a positive", "--lr-g"]),
        ({"epochs": 0}, ["epochs must be a positive integer", "--epochs"]),
        ({"batch_size": -4}, ["batch_size must be a positive integer", "--batch-size"]),
        ({"n_critic": 0}, ["n_critic must be at least 1", "use 1"]),
        ({"dataset": "folder"}, ["needs the folder", "--data-path"]),
        ({"model": "dcgan", "dataset": "fashion-mnist", "image_size": 40}, ["28, 32, 64", "--image-size 32"]),
        ({"ema_decay": 1.5}, ["ema_decay", "0.999"]),
        ({"betas": (0.5,)}, ["betas must be two numbers", "--betas 0.5 0.999"]),
        ({"lr_schedule": "two-stage", "lr_milestones": (0.8, 0.4)}, ["increasing fractions", "[0.5, 0.75]"]),
        ({"epochs": "many"}, ["epochs must be an integer"]),
        ({"device": "tpu"}, ["unknown device 'tpu'", "auto"]),
        ({"threads": 0}, ["threads must be a positive integer"]),
    ],
)
def test_invalid_config_names_the_fix(overrides, fragments):
    with pytest.raises(ConfigError) as caught:
        resolve(TrainConfig(**overrides))
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize("fix", [{"regularizer": "gp"}, {"regularizer": "clip"}])
def test_wasserstein_with_a_lipschitz_regulariser_is_accepted(fix):
    assert resolve(TrainConfig(loss="wasserstein", **fix)).loss == "wasserstein"


def test_wasserstein_with_a_spectral_norm_model_needs_no_regulariser():
    config = resolve(TrainConfig(model="sngan", dataset="fashion-mnist", loss="wasserstein"))
    assert config.regularizer == "none"


def test_label_smoothing_is_accepted_for_losses_with_a_real_target():
    assert resolve(TrainConfig(strategy="lsgan", real_label=0.9)).real_label == 0.9


# -- YAML ----------------------------------------------------------------------------------


def test_shipped_ring_config_is_read_and_overridden():
    config = load_config("ring", epochs=3, seed=7)
    on_disk = yaml.safe_load((CONFIGS_DIR / "ring.yaml").read_text())
    assert config.batch_size == on_disk["batch_size"] and config.lr_g == float(on_disk["lr_g"])
    assert (config.epochs, config.seed) == (3, 7)


def test_yaml_file_by_path_with_yaml_1_1_exponent_strings(tmp_path):
    """Is '2e-4' (a string in YAML 1.1) read as the number 0.0002, and a list as a tuple?"""
    path = tmp_path / "mine.yaml"
    path.write_text("lr_d: 2e-4\nbetas: [0.0, 0.9]\nepochs: 4\n")
    config = load_config(path)
    assert (config.lr_d, config.betas, config.epochs) == (2e-4, (0.0, 0.9), 4)


def test_unknown_yaml_key_lists_the_valid_keys(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("learning_rate: 0.1\n")
    with pytest.raises(ConfigError, match="unknown config key") as caught:
        load_config(path)
    assert "learning_rate" in str(caught.value) and "lr_g" in str(caught.value)


def test_unknown_override_key_is_refused():
    with pytest.raises(ConfigError, match="valid keys"):
        load_config("ring", epoch=3)


def test_invalid_yaml_is_a_config_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("epochs: [3\nmodel: mlp\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_yaml_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- epochs\n- 3\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(path)


def test_missing_config_names_the_shipped_ones():
    with pytest.raises(ConfigError) as caught:
        load_config("no-such-config")
    assert "ring-seed" in str(caught.value)


@pytest.mark.parametrize("name", shipped_configs())
def test_every_shipped_config_resolves_and_says_what_it_is_for(name):
    text = (CONFIGS_DIR / f"{name}.yaml").read_text()
    assert text.startswith("# "), "each shipped config opens with a comment saying what it is for"
    config = resolve(load_config(name))
    assert config.name == name


def test_the_expected_configs_are_shipped():
    expected = {"ring", "ring-seed", "dcgan-fashion", "dcgan-fashion-paper", "wgan-clip-fashion", "wgan-gp-fashion-paper", "sngan-fashion-paper", "cgan-fashion-seed000", "wgan-gp-fashion", "sngan-fashion", "cgan-fashion-bce",
                "cgan-fashion-lsgan", "cgan-fashion-hinge", "cgan-fashion-wgan-gp", "dcgan-fashion-two-stage",
                "dcgan-fashion-strong-d"}
    assert expected <= set(shipped_configs())


def test_ring_seed_recipe_matches_the_course():
    config = resolve(load_config("ring-seed"))
    assert (config.n_points, config.batch_size, config.epochs, config.d_every) == (10000, 128, 200, 2)
    assert (config.loss, config.optimizer, config.lr_g, config.lr_d, config.betas) == (
        "bce", "adam", 2e-4, 2e-4, (0.5, 0.999))


def test_the_clipped_wgan_keeps_the_papers_recipe():
    """Does wgan-clip-fashion train as Arjovsky et al. 2017, algorithm 1 (RMSProp 5e-5, c = 0.01, n_critic 5,
    m = 64), with nothing added (assignment 04 shows its slowness as published)?"""
    config = resolve(load_config("wgan-clip-fashion"))
    assert (config.loss, config.regularizer, config.clip_value, config.n_critic) == ("wasserstein", "clip", 0.01, 5)
    assert (config.optimizer, config.lr_g, config.lr_d, config.batch_size) == ("rmsprop", 5e-5, 5e-5, 64)
    assert (config.ema_decay, config.lr_schedule, config.d_every) == (None, "none", 1)


def test_cgan_configs_use_ttur_learning_rates():
    """The four strategies share seed 000's architecture and one recipe: a critic 2x or 4x faster than the
    generator (TTUR), decayed linearly, Adam betas (0, 0.9), the same width, batch, EMA (with standing
    statistics) and training images; only the objective (loss and its penalty), the size of the learning
    rates and, for WGAN-GP alone, the number of epochs differ (16 instead of 12: the config's comment)."""
    configs = {name: resolve(load_config(f"cgan-fashion-{name}")) for name in ("bce", "lsgan", "hinge", "wgan-gp")}
    for name, config in configs.items():
        assert config.model == "cgan" and config.lr_d in (2 * config.lr_g, 4 * config.lr_g), name  # TTUR: D faster
        assert (config.width, config.batch_size, config.betas, config.lr_schedule) == (32, 64, (0.0, 0.9), "linear"), name
        assert (config.ema_decay, config.standing_stats, config.n_critic, config.train_size, config.epochs) == (
            0.999, True, 1, 12800, 16 if name == "wgan-gp" else 12), name
    assert {c.loss for c in configs.values()} == {"bce", "lsgan", "hinge", "wasserstein"}
    own = {"name", "strategy", "loss", "regularizer", "reg_weight", "lr_d", "lr_g", "epochs"}  # a strategy's own
    first = configs["bce"]
    for name, config in configs.items():
        differ = {f.name for f in dataclasses.fields(first)
                  if f.name not in own and getattr(first, f.name) != getattr(config, f.name)}
        assert differ == set(), f"cgan-fashion-{name} drifted from cgan-fashion-bce in {sorted(differ)}"
    seed = resolve(load_config("cgan-fashion-seed000"))  # the seed's recipe, kept by name
    assert (seed.lr_d, seed.lr_g, seed.batch_size, seed.width, seed.ema_decay) == (4e-4, 1e-4, 64, None, None)


def test_paper_presets_are_kept_by_name():
    """wgan-gp-fashion-paper and sngan-fashion-paper keep Gulrajani et al.'s and Miyato et al.'s recipes."""
    wgan, sngan = resolve(load_config("wgan-gp-fashion-paper")), resolve(load_config("sngan-fashion-paper"))
    assert (wgan.n_critic, wgan.lr_d, wgan.lr_g, wgan.betas, wgan.reg_weight) == (5, 1e-4, 1e-4, (0.0, 0.9), 10.0)
    assert (sngan.loss, sngan.n_critic, sngan.lr_d, sngan.betas) == ("hinge", 1, 2e-4, (0.5, 0.999))


def test_config_dict_round_trip_through_yaml():
    config = resolve(TrainConfig(strategy="wgan-gp", lr_schedule="two-stage", ema_decay=0.999))
    data = yaml.safe_load(yaml.safe_dump(config_to_dict(config)))
    assert config_from_dict(data) == config
    assert list(config_to_dict(config)) == list(FIELD_NAMES)


def test_config_from_dict_refuses_unknown_keys():
    data = config_to_dict(TrainConfig()) | {"colour": "red"}
    with pytest.raises(ConfigError, match="colour"):
        config_from_dict(data)


def test_resolve_returns_a_copy():
    config = TrainConfig()
    resolved = resolve(config)
    assert config.loss is None and resolved is not config
    assert dataclasses.replace(resolved) == resolved


def test_the_dcgan_paper_preset_keeps_radford_et_al_recipe():
    """dcgan-fashion-paper is Radford et al. 2015 unchanged (Adam 2e-4, beta1 0.5, batch 128, width 64, no EMA);
    dcgan-fashion is the course's faster recipe on the same architecture and loss."""
    paper, fast = resolve(load_config("dcgan-fashion-paper")), resolve(load_config("dcgan-fashion"))
    assert (paper.loss, paper.optimizer, paper.lr_g, paper.lr_d, paper.betas) == ("bce", "adam", 2e-4, 2e-4, (0.5, 0.999))
    assert (paper.batch_size, paper.width, paper.ema_decay) == (128, 64, None)
    assert (fast.model, fast.loss, fast.betas) == (paper.model, paper.loss, paper.betas)


def test_the_head_start_recipe_differs_from_dcgan_fashion_only_in_its_learning_rates():
    """dcgan-fashion-strong-d (assignment 01's saturation runs) is dcgan-fashion with the discriminator
    learning 4x faster than the generator, at constant rates: nothing else may drift apart."""
    fast, strong = resolve(load_config("dcgan-fashion")), resolve(load_config("dcgan-fashion-strong-d"))
    assert strong.lr_d == pytest.approx(4 * strong.lr_g) and strong.lr_schedule == "none"
    own = {"name", "lr_d", "lr_g", "lr_schedule", "epochs"}
    differ = {f.name for f in dataclasses.fields(fast) if f.name not in own and getattr(fast, f.name) != getattr(strong, f.name)}
    assert differ == set(), f"dcgan-fashion-strong-d drifted from dcgan-fashion in {sorted(differ)}"
