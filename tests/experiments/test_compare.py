"""Does a comparison train each member, evaluate it, write every artefact with the values of each
run's metrics.json, and reuse finished runs the second time?"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from matplotlib.image import imread

from gan_course.experiments.compare import CSV_COLUMNS, PROTOCOL_COLUMNS, compare, load_comparison, plan_member
from gan_course.errors import ConfigError
from gan_course.train import TrainConfig, resolve, train

TINY = """\
# two tiny members on real Fashion-MNIST: 2 steps each, 100 evaluation samples
name: tiny
common: {epochs: 1, max_steps: 2, batch_size: 16, width: 8, latent_dim: 8, fid_every: 1, fid_samples: 50,
         threads: 1, progress: false, sample_every: 100}
evaluate: {samples: 100}
members:
  hinge: cgan-fashion-hinge
  dcgan: {config: dcgan-fashion, lr_g: 1.0e-4}
"""
ARTEFACTS = ("comparison.csv", "comparison.json", "fid.png", "kid.png", "time.png", "class_acc.png", "losses.png",
             "class_grids.png")


@pytest.fixture
def tiny_comparison(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def checkpoint_times(out: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in sorted(out.glob("*/checkpoints/*.pt"))}


def test_compare_end_to_end_writes_every_artefact_and_reuses_finished_runs(tiny_comparison, tmp_path):
    out = tmp_path / "out"
    lines = []
    result = compare(tiny_comparison, out=out, log=lines.append)
    for name in ARTEFACTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    for name in ARTEFACTS[2:]:
        assert imread(out / name).ndim == 3
    header, rows = read_csv(out / "comparison.csv")
    assert tuple(header) == CSV_COLUMNS + PROTOCOL_COLUMNS
    assert [row["strategy"] for row in rows] == ["hinge", "dcgan"]
    for row in rows:  # each row holds what the member's metrics.json says
        metrics = json.loads((out / row["strategy"] / "metrics.json").read_text())
        for key in ("fid", "kid_mean", "kid_std", "fid_floor"):
            assert float(row[key]) == metrics["metrics"][key]
        for key in ("train_time_s", "s_per_epoch", "eval_overhead"):
            assert float(row[key]) == metrics["training"][key]
        assert int(row["best_epoch"]) == metrics["training"]["best_epoch"] == 1
        assert (row["feature"], row["n_generated"], row["n_real"], row["split"]) == (
            "fashion-mnist-classifier", "100", "100", "test")
        assert row["trained"] == "True"
        assert float(row["fid"]) > float(row["fid_floor"]) > 0
        assert row["run_dir"] == row["strategy"]  # the layout without seeds: <out>/<member>/
    hinge, dcgan = rows  # class accuracy: the conditional member's, none for the unconditional one
    hinge_metrics = json.loads((out / "hinge" / "metrics.json").read_text())
    assert float(hinge["class_acc"]) == hinge_metrics["metrics"]["class_accuracy"]
    assert 0 <= float(hinge["class_acc"]) <= 1 and dcgan["class_acc"] == ""
    assert not (out / "comparison_seeds.csv").exists() and not list(out.glob("*/seed-*"))
    stored = json.loads((out / "comparison.json").read_text())
    assert "seeds" not in stored and "seed_rows" not in stored
    assert stored["rows"] == result["rows"] and stored["columns"] == list(CSV_COLUMNS + PROTOCOL_COLUMNS)
    assert stored["members"]["hinge"]["protocols"]["fid"]["n_fake"] == 100
    assert any(line.startswith("[1/2] hinge: training") for line in lines)
    assert any(line.startswith("[2/2] dcgan: FID") for line in lines)
    # both members validate against the same real statistics: cached once, before either trains
    cached = [i for i, line in enumerate(lines) if line.startswith("validation FID: real statistics of 50")]
    assert len(cached) == 1 and cached[0] < lines.index(next(l for l in lines if l.startswith("[1/2] hinge: training")))

    before = checkpoint_times(out)
    again_lines = []
    again = compare(tiny_comparison, out=out, log=again_lines.append)
    assert checkpoint_times(out) == before  # nothing was trained again
    assert sum("reusing" in line for line in again_lines) == 2
    assert not any(line.startswith("validation FID") for line in again_lines)  # nothing to train, nothing to cache
    assert sum("reused metrics.json" in line for line in again_lines) == 2
    assert [row["trained"] for row in again["rows"]] == [False, False]
    assert [row["fid"] for row in again["rows"]] == [row["fid"] for row in result["rows"]]


def test_a_member_is_trained_reused_resumed_or_refused_by_its_stored_config(tiny_config, monkeypatch):
    monkeypatch.setattr("gan_course.train.run_writer.save_final_plots", lambda *args, **kwargs: [])
    config = resolve(tiny_config(epochs=1))
    assert plan_member(config)[0] == "train"
    train(config)
    assert plan_member(config)[0] == "reuse"
    assert plan_member(resolve(tiny_config(epochs=1, progress=True)))[0] == "reuse"  # display-only change
    assert plan_member(resolve(tiny_config(epochs=2)))[0] == "resume"
    with pytest.raises(ConfigError, match="--force"):
        plan_member(resolve(tiny_config(epochs=1, lr_d=1e-3)))
    assert plan_member(resolve(tiny_config(epochs=1, lr_d=1e-3)), force=True) == ("train", "--force")


@pytest.fixture
def tiny_config(tmp_path):
    def make(**overrides) -> TrainConfig:
        values = dict(out_dir=str(tmp_path / "runs"), name="m", n_points=128, batch_size=64, width=8, latent_dim=4,
                      progress=False, sample_every=100, threads=1)
        values.update(overrides)
        return TrainConfig(**values)

    return make


def test_the_shipped_loss_comparison_holds_the_four_strategies_on_one_recipe():
    comparison = load_comparison("compare-cgan-fashion")
    members = comparison.members
    assert list(members) == ["bce", "lsgan", "hinge", "wgan-gp"]
    assert [m.loss for m in members.values()] == ["bce", "lsgan", "hinge", "wasserstein"]
    shared = ("model", "dataset", "batch_size", "train_size", "betas", "lr_schedule", "width", "latent_dim",
              "seed", "fid_every", "ema_decay")
    for field in shared:
        assert len({getattr(m, field) for m in members.values()}) == 1, field
    # one length, except WGAN-GP's recipe, which trains longer (its config's comment gives the search)
    assert [m.epochs for m in members.values()] == [12, 12, 12, 16]
    assert all(m.lr_d > m.lr_g for m in members.values())  # TTUR: D faster than G; each loss has its own rates
    assert members["bce"].model == "cgan" and members["bce"].fid_every == 1
    assert comparison.out_dir.name == "compare-cgan-fashion"


def test_the_shipped_two_stage_comparison_differs_only_in_the_schedule():
    from gan_course.train import config_to_dict

    members = load_comparison("compare-two-stage").members
    a, b = (config_to_dict(m) for m in members.values())
    assert {k for k in a if a[k] != b[k]} == {"name", "lr_schedule"}
    assert (members["two-stage"].lr_schedule, members["constant-lr"].lr_schedule) == ("two-stage", "none")


def test_a_comparison_with_a_ring_member_or_an_unknown_key_is_refused(tmp_path):
    ring = tmp_path / "ring.yaml"
    ring.write_text("members:\n  a: ring\n")
    with pytest.raises(ConfigError, match="ring"):
        load_comparison(ring)
    typo = tmp_path / "typo.yaml"
    typo.write_text("memberz:\n  a: dcgan-fashion\n")
    with pytest.raises(ConfigError, match="members"):
        load_comparison(typo)
