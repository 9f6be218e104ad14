"""book/reproduce.py: the plan of commands, the --quick budget, and what a failed or finished
result leaves behind (with stand-in commands instead of real training)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

from gan_course import paths
from gan_course.reports import read_run_record

BOOK = paths.source_checkout() / "book"


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("book_reproduce", BOOK / "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_every_chapter_result_is_planned_with_one_thread(reproduce, tmp_path):
    results = reproduce.plan(tmp_path, quick=False)
    assert [r.name for r in results] == ["ring", "ring-seed", "losses", "cgan-fashion", "two-stage", "saturation"]
    verbs = [c[0] for r in results for c in r.commands]
    assert set(verbs) == {"train", "evaluate", "compare", "interpolate"}
    for r in results:
        for command in r.commands:
            if command[0] == "train":
                assert command[command.index("--threads") + 1] == "1"
            if command[0] == "compare":
                source = Path(command[1])
                assert source.parent == BOOK / "configs"
                assert yaml.safe_load(source.read_text())["common"]["threads"] == 1


def test_the_book_comparisons_are_the_shipped_ones_at_a_budget(reproduce):
    """Do the book's comparison files keep the shipped members and only add budget overrides?"""
    from gan_course.experiments.compare import load_comparison

    for name in ("cgan-fashion", "two-stage", "saturation"):
        book = load_comparison(BOOK / "configs" / f"compare-{name}.yaml")
        shipped = load_comparison(f"compare-{name}")
        assert list(book.members) == list(shipped.members)
        for member, config in book.members.items():
            reference = shipped.members[member]
            assert (config.model, config.strategy, config.loss, config.lr_d, config.lr_g, config.batch_size,
                    config.lr_schedule) == (reference.model, reference.strategy, reference.loss, reference.lr_d,
                                            reference.lr_g, reference.batch_size, reference.lr_schedule)
            assert config.train_size is not None and config.threads == 1


def test_quick_mode_shrinks_every_comparison_without_touching_the_book_files(reproduce, tmp_path):
    results = reproduce.plan(tmp_path, quick=True)
    for r in results:
        if r.quick_config is not None:
            source, copy = r.quick_config
            before = source.read_text()
            reproduce.quick_comparison(source, copy)
            data = yaml.safe_load(copy.read_text())
            assert {k: data["common"][k] for k in reproduce.QUICK_COMMON} == reproduce.QUICK_COMMON
            assert data["evaluate"]["samples"] == reproduce.QUICK_SAMPLES
            assert data["members"] == yaml.safe_load(before)["members"]
            if r.name == "cgan-fashion":  # chapter 05 ranks over seeds: quick keeps two, for a mean and a std
                assert yaml.safe_load(before)["seeds"] == [0, 1, 2]
                assert data["seeds"] == [0, 1][:reproduce.QUICK_SEEDS] and reproduce.QUICK_SEEDS == 2
            assert source.read_text() == before
            assert any(str(copy) in c for c in r.commands[0])
    train = next(c for r in results for c in r.commands if c[0] == "train")
    assert train[train.index("--epochs") + 1] == str(reproduce.QUICK_RING_EPOCHS)


def stand_in(reproduce, monkeypatch, code):
    """Replace gan-course by a Python one-liner (argv[1:] are the gan-course arguments)."""
    monkeypatch.setattr(reproduce, "program", lambda: [sys.executable, "-c", code])


def test_a_failing_command_leaves_the_stored_result_as_it_was(reproduce, tmp_path, monkeypatch):
    stored = tmp_path / "results" / "ring"
    stored.mkdir(parents=True)
    (stored / "history.json").write_text("old")
    stand_in(reproduce, monkeypatch, "import sys; sys.exit(3)")
    result = reproduce.plan(tmp_path / "runs", quick=True)[0]
    with pytest.raises(SystemExit, match="'ring' failed at: gan-course train.*exit 3"):
        reproduce.run_result(result, tmp_path / "results", quick=True, log=lambda line: None)
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["ring"]
    assert (stored / "history.json").read_text() == "old"


def test_a_finished_result_replaces_the_old_one_with_its_files_and_run_json(reproduce, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    (tmp_path / "results" / "ring").mkdir(parents=True)
    (tmp_path / "results" / "ring" / "stale.txt").write_text("old")
    # the stand-in "train" writes a minimal run directory; "evaluate" its metrics
    code = ("import json, sys, pathlib; a = sys.argv[1:]; "
            f"run = pathlib.Path({str(runs / 'ring')!r}); run.mkdir(parents=True, exist_ok=True); "
            "(run / ('history.json' if a[0] == 'train' else 'metrics.json')).write_text(json.dumps({'verb': a[0]})); "
            "(run / 'checkpoints').mkdir(exist_ok=True); (run / 'checkpoints' / 'best.pt').write_text('x')")
    stand_in(reproduce, monkeypatch, code)
    result = reproduce.plan(runs, quick=True)[0]
    record = reproduce.run_result(result, tmp_path / "results", quick=True, log=lambda line: None)
    stored = tmp_path / "results" / "ring"
    assert sorted(p.name for p in stored.iterdir()) == ["history.json", "metrics.json", "run.json"]
    assert json.loads((stored / "metrics.json").read_text()) == {"verb": "evaluate"}
    back = read_run_record(stored)
    assert back == json.loads(json.dumps(record))
    assert [c["argv"][:2] for c in back["commands"]] == [["gan-course", "train"], ["gan-course", "evaluate"]]
    assert all(c["returncode"] == 0 and c["wall_time_s"] >= 0 for c in back["commands"])
    assert back["hardware"]["torch_threads"] == 1 and back["quick"] is True and back["chapters"] == ["02"]
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["ring"]  # no staging folder left


def test_dry_run_prints_the_commands_and_writes_nothing(reproduce, tmp_path, capsys):
    assert reproduce.main(["--dry-run", "--quick", "--runs", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "gan-course train --config ring " in out and "gan-course compare " in out
    assert not (tmp_path / "runs").exists()


def test_reuse_drops_force_from_the_comparisons_only(reproduce, tmp_path):
    """--reuse keeps finished member runs (compare without --force); everything else is planned the same."""
    fresh, reused = reproduce.plan(tmp_path, quick=False), reproduce.plan(tmp_path, quick=False, reuse=True)
    for a, b in zip(fresh, reused):
        for x, y in zip(a.commands, b.commands):
            if x[0] == "compare":
                assert "--force" in x and [arg for arg in x if arg != "--force"] == y
            else:
                assert x == y
