"""Does a comparison over seeds train every member once per seed, report each member's mean and
standard deviation over its seeds (equal to those of the per-seed values), reuse each seed's run,
and refuse bad seeds with the fix?"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from gan_course.cli import main
from gan_course.errors import ConfigError
from gan_course.experiments.compare import CSV_COLUMNS, PROTOCOL_COLUMNS, compare, load_comparison
from gan_course.experiments.compare_plots import _bars
from gan_course.experiments.seeds import (SEEDS_CSV, SUMMARY_COLUMNS, SUMMARY_PROTOCOL_COLUMNS, interval, mean_std,
                                          overlapping, parse_seeds, seed_columns)

TINY_SEEDS = """\
# one conditional and one unconditional member, 2 seeds: 2 steps each on real Fashion-MNIST, 100 evaluation samples
name: tiny-seeds
common: {epochs: 1, max_steps: 2, batch_size: 16, width: 8, latent_dim: 8, fid_every: 1, fid_samples: 50,
         threads: 1, progress: false, sample_every: 100}
seeds: [0, 1]
evaluate: {samples: 100}
members:
  hinge: cgan-fashion-hinge
  dcgan: {config: dcgan-fashion, lr_g: 1.0e-4}
"""


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def checkpoint_times(out: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in sorted(out.glob("*/seed-*/checkpoints/*.pt"))}


@pytest.fixture
def seeded_comparison(tmp_path):
    path = tmp_path / "tiny-seeds.yaml"
    path.write_text(TINY_SEEDS)
    return path


def test_a_comparison_over_two_seeds_reports_the_mean_and_std_of_its_per_seed_runs(seeded_comparison, tmp_path):
    out = tmp_path / "out"
    lines = []
    result = compare(seeded_comparison, out=out, log=lines.append)
    # layout: one run per member and seed, nothing at the member's own level
    for member in ("hinge", "dcgan"):
        assert sorted(p.name for p in (out / member).iterdir()) == ["seed-0", "seed-1"]
        for seed in (0, 1):
            config = (out / member / f"seed-{seed}" / "config.yaml").read_text()
            assert f"\nseed: {seed}\n" in f"\n{config}"
    header, seed_rows = read_csv(out / SEEDS_CSV)
    assert tuple(header) == seed_columns(CSV_COLUMNS, PROTOCOL_COLUMNS)
    assert [(r["strategy"], r["seed"], r["run_dir"]) for r in seed_rows] == [
        ("hinge", "0", "hinge/seed-0"), ("hinge", "1", "hinge/seed-1"),
        ("dcgan", "0", "dcgan/seed-0"), ("dcgan", "1", "dcgan/seed-1")]
    for row in seed_rows:  # each per-seed row holds its run's metrics.json
        metrics = json.loads((out / row["run_dir"] / "metrics.json").read_text())
        assert number(row["fid"]) == metrics["metrics"]["fid"]
        assert number(row["kid_mean"]) == metrics["metrics"]["kid_mean"]
        if row["strategy"] == "hinge":  # accuracy per requested class: 10 classes x 10 images, balanced
            per_class = [entry["accuracy"] for entry in metrics["per_class"]]
            assert len(per_class) == 10
            assert number(row["class_acc"]) == metrics["metrics"]["class_accuracy"]
            assert number(row["class_acc"]) == pytest.approx(np.mean(per_class), abs=1e-12)
        else:
            assert row["class_acc"] == ""  # unconditional: no class to recognise
    hinge_fids = [number(r["fid"]) for r in seed_rows if r["strategy"] == "hinge"]
    assert hinge_fids[0] != hinge_fids[1]  # the seeds trained different generators

    header, rows = read_csv(out / "comparison.csv")
    assert tuple(header) == SUMMARY_COLUMNS + SUMMARY_PROTOCOL_COLUMNS
    assert [(r["strategy"], r["n_seeds"], r["seeds"], r["run_dir"]) for r in rows] == [
        ("hinge", "2", "0 1", "hinge"), ("dcgan", "2", "0 1", "dcgan")]
    for row in rows:  # mean and std (ddof=1) over seeds, computed here from the per-seed values
        mine = [r for r in seed_rows if r["strategy"] == row["strategy"]]
        for key, prefix in (("fid", "fid"), ("kid_mean", "kid"), ("train_time_s", "train_time_s")):
            values = np.array([number(r[key]) for r in mine])
            assert number(row[f"{prefix}_mean"]) == pytest.approx(values.mean(), rel=1e-12)
            assert number(row[f"{prefix}_std"]) == pytest.approx(values.std(ddof=1), rel=1e-12)
            assert number(row[f"{prefix}_std"]) == pytest.approx(abs(values[0] - values[1]) / math.sqrt(2), rel=1e-12)
    hinge = rows[0]
    accuracies = np.array([number(r["class_acc"]) for r in seed_rows if r["strategy"] == "hinge"])
    assert number(hinge["class_acc_mean"]) == pytest.approx(accuracies.mean(), abs=1e-12)
    assert number(hinge["class_acc_std"]) == pytest.approx(accuracies.std(ddof=1), abs=1e-12)
    assert rows[1]["class_acc_mean"] == rows[1]["class_acc_std"] == ""

    stored = json.loads((out / "comparison.json").read_text())
    assert stored["seeds"] == [0, 1] and stored["rows"] == result["rows"] and stored["seed_rows"] == result["seed_rows"]
    assert stored["columns"] == list(SUMMARY_COLUMNS + SUMMARY_PROTOCOL_COLUMNS)
    assert set(stored["members"]["hinge"]) == {"0", "1"}
    assert stored["members"]["hinge"]["1"]["metrics"]["fid"] == hinge_fids[1]
    for name in ("fid.png", "kid.png", "time.png", "class_acc.png", "losses.png", "class_grids.png"):
        assert imread(out / name).ndim == 3, name
    values, errors, note = _bars(result["rows"], "fid", [0, 1])  # the bars: means, with the std over seeds
    assert values == {r["strategy"]: r["fid_mean"] for r in result["rows"]}
    assert errors == {r["strategy"]: r["fid_std"] for r in result["rows"]} and "2 seeds" in note
    assert any(line.startswith("[1/4] hinge/seed-0: training") for line in lines)
    assert any(line.startswith("[4/4] dcgan/seed-1: FID") for line in lines)

    # reuse works per seed: nothing retrained; a third seed trains only the new runs
    before = checkpoint_times(out)
    again_lines = []
    again = compare(seeded_comparison, out=out, log=again_lines.append)
    assert checkpoint_times(out) == before
    assert sum("reusing" in line for line in again_lines) == 4
    assert [r["trained"] for r in again["seed_rows"]] == [False] * 4
    assert again["rows"] == result["rows"]
    more_lines = []
    more = compare(seeded_comparison, out=out, seeds=["0", "1", "2"], log=more_lines.append)
    assert {p: t for p, t in checkpoint_times(out).items() if p in before} == before
    trained = [line.split(":")[0].split("] ")[1] for line in more_lines if ": training " in line]
    assert trained == ["hinge/seed-2", "dcgan/seed-2"]
    assert [r["n_seeds"] for r in more["rows"]] == [3, 3]
    three = [r["fid"] for r in more["seed_rows"] if r["strategy"] == "hinge"]
    assert three[:2] == hinge_fids
    assert more["rows"][0]["fid_mean"] == pytest.approx(np.mean(three), rel=1e-12)


def test_seeds_are_distinct_non_negative_integers_or_an_error_naming_the_fix():
    assert parse_seeds(None, source="f") is None
    assert parse_seeds([0, 1, 2], source="f") == [0, 1, 2]
    assert parse_seeds(["3", "1"], source="--seeds") == [3, 1]
    assert parse_seeds(7, source="f") == [7]
    for bad, problem in (([0, 0, 1], "0 appear more than once"), ([0, 1.5], "not an integer"),
                         (["x"], "not an integer"), ([True], "not an integer"), ([-1], "negative"),
                         ([], "non-empty list"), ({"a": 1}, "non-empty list")):
        with pytest.raises(ConfigError, match=problem) as error:
            parse_seeds(bad, source="f")
        assert "seeds: [0, 1, 2]" in str(error.value)


def test_mean_and_std_over_seeds_follow_their_definitions():
    assert mean_std([1.0, 3.0]) == (2.0, math.sqrt(2.0))
    assert mean_std([2.0, 4.0, 9.0]) == pytest.approx((5.0, math.sqrt(13.0)))  # ((9 + 1 + 16) / 2) ** 0.5
    assert mean_std([5.0]) == (5.0, None)
    assert mean_std([None, None]) == (None, None)


def test_intervals_overlap_when_the_error_bars_do():
    rows = [{"strategy": "a", "fid_mean": 10.0, "fid_std": 1.0}, {"strategy": "b", "fid_mean": 11.5, "fid_std": 0.5},
            {"strategy": "c", "fid_mean": 13.0, "fid_std": 1.0}, {"strategy": "d", "fid_mean": 20.0, "fid_std": None}]
    assert interval(rows[0], "fid") == (9.0, 11.0) and interval(rows[3], "fid") == (20.0, 20.0)
    assert overlapping(rows, "fid", "a") == ["b"]  # [9, 11] meets [11, 12]; [12, 14] does not
    assert overlapping(rows, "fid", "b") == ["a", "c"]
    assert overlapping(rows, "fid", "d") == []
    with pytest.raises(ValueError, match="no member 'e'"):
        overlapping(rows, "fid", "e")


def test_a_loaded_comparison_with_seeds_places_one_run_per_member_and_seed(tmp_path):
    comparison = load_comparison("compare-cgan-fashion", out=tmp_path, seeds=[0, 2])
    runs = comparison.runs()
    assert [(m, s) for m, s, _ in runs] == [(m, s) for m in ("bce", "lsgan", "hinge", "wgan-gp") for s in (0, 2)]
    for member, seed, config in runs:
        assert (config.seed, config.name, Path(config.out_dir)) == (seed, f"seed-{seed}", tmp_path / member)
        base = comparison.members[member]
        assert (config.loss, config.lr_d, config.epochs) == (base.loss, base.lr_d, base.epochs)
    plain = load_comparison("compare-two-stage", out=tmp_path)
    assert plain.seeds is None
    assert [(m, s, c) for m, s, c in plain.runs()] == [(m, None, c) for m, c in plain.members.items()]


def test_a_comparison_file_that_sets_a_seed_beside_seeds_or_repeats_a_seed_is_refused(tmp_path):
    both = tmp_path / "both.yaml"
    both.write_text("seeds: [0, 1]\ncommon: {seed: 3}\nmembers:\n  a: dcgan-fashion\n")
    with pytest.raises(ConfigError, match="sets seed in common and also lists seeds"):
        load_comparison(both)
    twice = tmp_path / "twice.yaml"
    twice.write_text("seeds: [1, 1]\nmembers:\n  a: dcgan-fashion\n")
    with pytest.raises(ConfigError, match="1 appear more than once"):
        load_comparison(twice)


def test_bad_seeds_on_the_command_line_are_one_line_and_exit_2(capsys):
    assert main(["compare", "compare-cgan-fashion", "--seeds", "0", "one", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed 'one' in --seeds is not an integer" in err and "Traceback" not in err


def test_a_dry_run_over_seeds_checks_each_member_once_and_plans_every_seed(tmp_path):
    comparison = tmp_path / "c.yaml"
    comparison.write_text("# one member, two seeds\nname: c\ncommon: {width: 8, latent_dim: 8, batch_size: 8}\n"
                          "seeds: [3, 5]\nmembers:\n  hinge: cgan-fashion-hinge\n")
    lines = []
    result = compare(comparison, out=tmp_path / "out", dry_run=True, log=lines.append)
    assert result["seeds"] == [3, 5]
    assert result["plans"] == {"hinge/seed-3": ["train", "new run"], "hinge/seed-5": ["train", "new run"]}
    assert sum("2 steps on synthetic data ran" in line for line in lines) == 1
    assert any(line.startswith("dry run: hinge/seed-5: would train") for line in lines)
    assert not (tmp_path / "out").exists()
