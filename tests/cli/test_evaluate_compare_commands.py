"""Do `gan-course evaluate` and `gan-course compare` print their results, honour --dry-run, and
turn bad input into one line and exit 2?"""

from __future__ import annotations

import json

import pytest

from gan_course.cli import main
from gan_course.train import TrainConfig, train


@pytest.fixture
def ring_run(tmp_path, monkeypatch):
    monkeypatch.setattr("gan_course.train.run_writer.save_final_plots", lambda *args, **kwargs: [])
    config = TrainConfig(out_dir=str(tmp_path), name="ring", n_points=256, batch_size=64, epochs=2, width=16,
                         latent_dim=8, progress=False, sample_every=100, threads=1)
    return train(config).run_dir


def test_evaluate_prints_the_table_and_writes_metrics_json(ring_run, capsys):
    assert main(["evaluate", str(ring_run), "--samples", "300"]) == 0
    out = capsys.readouterr().out
    assert "energy distance" in out and "coverage, right half" in out and "300 generated" in out
    metrics = json.loads((ring_run / "metrics.json").read_text())
    assert metrics["request"]["samples"] == 300
    assert f"{metrics['metrics']['energy_distance']:.4g}" in out


def test_evaluate_dry_run_writes_no_metrics_file(ring_run, capsys):
    assert main(["evaluate", str(ring_run), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert not (ring_run / "metrics.json").exists()


@pytest.mark.parametrize("args, message", [
    (["evaluate", "{tmp}"], "not a run directory"),
    (["evaluate", "{tmp}/nowhere"], "not a directory"),
    (["compare", "no-such-comparison"], "compare-cgan-fashion"),
    (["compare", "compare-cgan-fashion", "--epochs", "0"], "--epochs"),
])
def test_bad_input_is_one_line_naming_the_fix_and_exit_2(args, message, tmp_path, capsys):
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_compare_dry_run_trains_two_steps_per_member_and_writes_nothing(tmp_path, capsys):
    comparison = tmp_path / "c.yaml"
    comparison.write_text("# two members\nname: c\ncommon: {width: 8, latent_dim: 8, batch_size: 8}\n"
                          "members:\n  bce: cgan-fashion-bce\n  hinge: cgan-fashion-hinge\n")
    out = tmp_path / "out"
    assert main(["compare", str(comparison), "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("2 steps on synthetic data ran") == 2 and "would train" in printed
    assert not out.exists()
