"""Collecting the small artefacts of runs and comparisons, and reading them back."""

from __future__ import annotations

import json

import pytest

from gan_course.errors import ResultError
from gan_course.reports import collect_comparison, collect_run, folder_size, load_result, read_csv_rows


def fake_run(run_dir, epochs=5):
    """A run directory as the trainer writes it, checkpoints and event files included."""
    (run_dir / "samples").mkdir(parents=True)
    (run_dir / "plots").mkdir()
    (run_dir / "checkpoints").mkdir()
    (run_dir / "tensorboard").mkdir()
    (run_dir / "history.json").write_text(json.dumps({"steps": {}, "epochs": {"epoch": list(range(1, epochs + 1))}}))
    (run_dir / "config.yaml").write_text("name: r\nseed: 0\n")
    (run_dir / "metrics.json").write_text(json.dumps({"metrics": {"fid": 12.5}}))
    for e in range(1, epochs + 1):
        (run_dir / "samples" / f"epoch_{e:04d}.png").write_bytes(b"png%d" % e)
    (run_dir / "samples" / "interpolation_slerp.png").write_bytes(b"strip")
    (run_dir / "plots" / "losses.png").write_bytes(b"plot")
    (run_dir / "checkpoints" / "best.pt").write_bytes(b"x" * 10_000)
    (run_dir / "tensorboard" / "events.out").write_bytes(b"x" * 10_000)
    return run_dir


def names(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_collect_run_keeps_the_small_files_and_never_checkpoints(tmp_path):
    run = fake_run(tmp_path / "run")
    collect_run(run, tmp_path / "stored", grids="last")
    assert names(tmp_path / "stored") == ["config.yaml", "history.json", "metrics.json", "plots/losses.png",
                                          "samples/epoch_0005.png", "samples/interpolation_slerp.png"]
    assert folder_size(tmp_path / "stored") < 1000


@pytest.mark.parametrize("grids, kept", [("all", [1, 2, 3, 4, 5]), (2, [1, 2, 4, 5]), (3, [1, 3, 5])])
def test_collect_run_selects_the_epoch_grids_asked_for(tmp_path, grids, kept):
    collect_run(fake_run(tmp_path / "run"), tmp_path / "stored", grids=grids)
    stored = load_result("stored", root=tmp_path)
    assert list(stored.grids()) == kept


def test_collect_run_refuses_a_folder_without_history(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultError, match="no history.json"):
        collect_run(tmp_path / "empty", tmp_path / "stored")
    assert not (tmp_path / "stored").exists()


def test_collect_comparison_copies_the_table_and_every_member(tmp_path):
    out = tmp_path / "compare"
    out.mkdir()
    rows = [{"strategy": m, "run_dir": str(fake_run(out / m))} for m in ("bce", "hinge")]
    (out / "comparison.json").write_text(json.dumps({"rows": rows}))
    (out / "comparison.csv").write_text("strategy,fid,kid_mean,trained\nbce,40.5,1.25,True\nhinge,,0.5,False\n")
    (out / "fid.png").write_bytes(b"bars")
    collect_comparison(out, tmp_path / "results" / "cmp", grids={"bce": "all"})
    stored = load_result("cmp", root=tmp_path / "results")
    assert stored.members() == ["bce", "hinge"]
    assert stored.comparison() == [{"strategy": "bce", "fid": 40.5, "kid_mean": 1.25, "trained": True},
                                   {"strategy": "hinge", "fid": None, "kid_mean": 0.5, "trained": False}]
    assert list(stored.grids("bce")) == [1, 2, 3, 4, 5] and list(stored.grids("hinge")) == [5]
    assert stored.metrics("hinge") == {"metrics": {"fid": 12.5}}
    assert stored.config("bce") == {"name": "r", "seed": 0}
    assert stored.file("fid.png").read_bytes() == b"bars"
    assert not any("checkpoints" in n or "tensorboard" in n for n in names(tmp_path / "results"))


def test_a_missing_result_or_file_names_the_fix(tmp_path):
    (tmp_path / "present").mkdir()
    with pytest.raises(ResultError, match=r"no stored result 'absent'.*present: present.*reproduce"):
        load_result("absent", root=tmp_path)
    with pytest.raises(ResultError, match="has no history.json"):
        load_result("present", root=tmp_path).history()


def test_csv_cells_become_numbers_booleans_or_none(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,d,e\n3,2.5,,True,gan\n")
    assert read_csv_rows(path) == [{"a": 3, "b": 2.5, "c": None, "d": True, "e": "gan"}]


def test_collect_comparison_finds_members_recorded_relative_to_the_comparison(tmp_path):
    """Does a comparison whose rows name their runs relative to it (as compare writes them now)
    still collect every member, wherever the comparison folder has moved?"""
    out = tmp_path / "moved" / "compare"
    out.mkdir(parents=True)
    for member in ("bce", "hinge"):
        fake_run(out / member)
    (out / "comparison.json").write_text(json.dumps({"rows": [{"strategy": m, "run_dir": m} for m in ("bce", "hinge")]}))
    (out / "comparison.csv").write_text("strategy,fid\nbce,1\nhinge,2\n")
    collect_comparison(out, tmp_path / "results" / "cmp")
    assert load_result("cmp", root=tmp_path / "results").members() == ["bce", "hinge"]


def test_a_stored_config_records_no_absolute_path_of_the_machine(tmp_path):
    """Is the run's out_dir stored without the machine's absolute path, every other line untouched?"""
    run = fake_run(tmp_path / "somewhere" / "runs" / "r")
    (run / "config.yaml").write_text(f"name: r\nout_dir: {tmp_path / 'somewhere' / 'runs'}\nseed: 0\n")
    collect_run(run, tmp_path / "results" / "r")
    assert (tmp_path / "results" / "r" / "config.yaml").read_text() == "name: r\nout_dir: runs\nseed: 0\n"


def test_collect_comparison_over_seeds_stores_every_seed_run_and_both_tables(tmp_path):
    """Does a comparison over seeds keep its per-seed table and one stored run per member and
    seed (member/seed-<s>/), recorded relative to the result, and read back in that layout?"""
    out = tmp_path / "compare"
    seed_rows = [{"strategy": m, "seed": s, "run_dir": f"{m}/seed-{s}"} for m in ("bce", "hinge") for s in (0, 1)]
    for row in seed_rows:
        fake_run(out / row["run_dir"], epochs=3)
    (out / "comparison.json").write_text(json.dumps({
        "seeds": [0, 1], "rows": [{"strategy": m, "run_dir": m} for m in ("bce", "hinge")], "seed_rows": seed_rows}))
    (out / "comparison.csv").write_text("strategy,n_seeds,fid_mean,fid_std,run_dir\nbce,2,40.5,1.5,bce\n"
                                        "hinge,2,30.0,2.0,hinge\n")
    (out / "comparison_seeds.csv").write_text("strategy,seed,fid,run_dir\n" + "".join(
        f"{r['strategy']},{r['seed']},{10 + r['seed']},{r['run_dir']}\n" for r in seed_rows))
    collect_comparison(out, tmp_path / "results" / "cmp", grids={"bce": "all"})
    stored = load_result("cmp", root=tmp_path / "results")
    assert stored.seeds() == stored.require_seeds() == [0, 1]
    assert stored.members() == ["bce", "hinge"]
    assert stored.runs() == ["bce/seed-0", "bce/seed-1", "hinge/seed-0", "hinge/seed-1"]
    assert [(r["strategy"], r["seed"], r["fid"]) for r in stored.seed_rows()] == [
        ("bce", 0, 10), ("bce", 1, 11), ("hinge", 0, 10), ("hinge", 1, 11)]
    assert list(stored.grids("bce/seed-1")) == [1, 2, 3] and list(stored.grids("hinge/seed-0")) == [3]
    assert stored.metrics("hinge/seed-1") == {"metrics": {"fid": 12.5}}
    assert not (tmp_path / "results" / "cmp" / "bce" / "history.json").exists()
    assert not any("checkpoints" in n for n in names(tmp_path / "results"))


def test_a_stored_comparison_without_seeds_fails_loudly_where_seeds_are_required(tmp_path):
    out = tmp_path / "compare"
    fake_run(out / "bce")
    (out / "comparison.json").write_text(json.dumps({"rows": [{"strategy": "bce", "run_dir": "bce"}]}))
    (out / "comparison.csv").write_text("strategy,fid\nbce,1\n")
    collect_comparison(out, tmp_path / "results" / "cmp")
    stored = load_result("cmp", root=tmp_path / "results")
    assert stored.seeds() is None and stored.runs() == ["bce"]
    with pytest.raises(ResultError, match=r"'cmp' has no seeds \(one run per member\).*reproduce.py --only cmp"):
        stored.require_seeds()


def test_a_stored_comparison_older_than_its_file_fails_loudly_where_members_or_columns_are_required(tmp_path):
    """Does require() name the missing member, then the member without per-epoch values, and the rerun?"""
    out = tmp_path / "compare"
    for member, fid in (("gan", [300.0, 250.0]), ("wgan-gp", [None, None])):
        fake_run(out / member, epochs=2)
        (out / member / "history.json").write_text(json.dumps({"steps": {}, "epochs": {"epoch": [1, 2], "val_fid": fid}}))
    (out / "comparison.json").write_text(json.dumps({"rows": [{"strategy": m, "run_dir": m} for m in ("gan", "wgan-gp")]}))
    (out / "comparison.csv").write_text("strategy,fid\ngan,1\nwgan-gp,2\n")
    collect_comparison(out, tmp_path / "results" / "losses")
    stored = load_result("losses", root=tmp_path / "results")
    assert stored.require(members=["gan", "wgan-gp"]) == ["gan", "wgan-gp"]
    with pytest.raises(ResultError, match=r"no member\(s\) wgan-clip .*reproduce.py --only losses"):
        stored.require(members=["gan", "wgan-clip"])
    with pytest.raises(ResultError, match=r"no per-epoch 'val_fid' values for wgan-gp .*reproduce.py --only losses"):
        stored.require(epoch_values=["val_fid"])
