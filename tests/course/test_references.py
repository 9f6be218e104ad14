"""Are the notebooks' reference figures ("a healthy run looks like this") current copies of the
book's stored runs, with honest provenance, and does showing them never break a notebook?"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.image import imread

from gan_course import paths
from gan_course.cli import main
from gan_course.course import references as refs
from gan_course.course.contract import ASSIGNMENTS
from gan_course.plotting import image_grid
from tests.course.contract import course_root

RESULTS = course_root() / "book" / "results"


def manifest(directory: Path = refs.REFERENCES_DIR) -> list[dict]:
    return json.loads((directory / refs.MANIFEST).read_text(encoding="utf-8"))["references"]


def test_the_committed_references_are_what_the_command_regenerates(tmp_path):
    """Would `gan-course course references` change a byte? (CI fails until it is run and committed.)"""
    report = refs.build_references(results_dir=RESULTS, out_dir=tmp_path)
    stale = [p.relative_to(tmp_path) for p, data in report.files.items()
             if not (refs.REFERENCES_DIR / p.relative_to(tmp_path)).is_file()
             or (refs.REFERENCES_DIR / p.relative_to(tmp_path)).read_bytes() != data]
    assert not stale, f"run `gan-course course references` and commit the result; stale: {stale}"
    assert refs.build_references(results_dir=RESULTS, check=True).stale == []
    stored = sorted(p.relative_to(refs.REFERENCES_DIR).as_posix() for p in refs.REFERENCES_DIR.glob("*/*.png"))
    assert stored == sorted(r.file for r in refs.REFERENCES)


def test_every_png_is_its_stored_source_byte_for_byte_and_the_manifest_says_so():
    for entry in manifest():
        copy = course_root() / entry["file"]
        source = course_root() / entry["source"]
        assert copy.read_bytes() == source.read_bytes(), entry["file"]
        assert entry["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_the_manifest_records_repository_relative_paths_and_the_runs_numbers():
    entries = manifest()
    text = json.dumps(entries)
    assert str(course_root()) not in text and "/home/" not in text and "/work/" not in text
    for entry in entries:
        assert entry["file"] == f"gan_course/course/references/{entry['assignment']}/{entry['name']}.png"
        assert entry["source"].startswith(entry["run"] + "/") and entry["run"].startswith("book/results/")
        assert entry["numbers"], f"{entry['file']}: no numbers recorded"
    ring = next(e for e in entries if e["assignment"] == "02_ring_gan")
    stored = json.loads((RESULTS / "ring" / "metrics.json").read_text())
    assert ring["config"] == "ring" and ring["numbers"]["energy_distance"] == round(stored["metrics"]["energy_distance"], 4)
    assert ring["caption"] == (f"book/results/ring (config ring, {stored['training']['epochs']} epochs): energy distance "
                               f"{stored['metrics']['energy_distance']:.3g}")
    samples = next(e for e in entries if (e["assignment"], e["name"]) == ("03_dcgan_faces", "samples"))
    assert (samples["config"], samples["member"]) == ("dcgan-fashion", "gan")  # book/configs/compare-losses.yaml
    assert samples["source"] == "book/results/losses/gan/samples/" + sorted(
        p.name for p in (RESULTS / "losses" / "gan" / "samples").glob("epoch_*.png"))[-1]
    saturation = next(e for e in entries if (e["assignment"], e["name"]) == ("01_vanilla_dcgan", "samples"))
    # 01 trains dcgan-fashion-strong-d: its reference is the book's run of that recipe (compare-saturation.yaml)
    assert (saturation["config"], saturation["member"]) == ("dcgan-fashion-strong-d", "non-saturating")
    assert {e["assignment"] for e in entries} == set(ASSIGNMENTS), "every notebook has a reference figure"


def fake_results(root: Path) -> Path:
    """A stored comparison with one member, its sample grids at epochs 2 and 12 and its numbers."""
    run = root / "losses" / "gan"
    (run / "samples").mkdir(parents=True)
    for epoch, colour in ((2, 0.0), (12, 1.0)):
        image_grid(torch.full((4, 1, 8, 8), colour), path=run / "samples" / f"epoch_{epoch:04d}.png")
    (run / "metrics.json").write_text(json.dumps({"metrics": {"fid": 42.123456}, "training": {"epochs": 12}}))
    (root / "losses" / "comparison.json").write_text(json.dumps(
        {"source": "no/such/compare-losses.yaml", "rows": [{"run_dir": "gan", "fid": 42.123456, "epochs": 12}]}))
    return root


def test_a_glob_source_takes_the_last_epoch_and_its_run_provenance(tmp_path, monkeypatch):
    results = fake_results(tmp_path / "results")
    monkeypatch.setattr(refs, "REFERENCES", (refs.Reference("01_vanilla_dcgan", "samples", "losses/gan/samples/epoch_*.png", "x"),))
    report = refs.build_references(results_dir=results, out_dir=tmp_path / "out")
    copy = tmp_path / "out" / "01_vanilla_dcgan" / "samples.png"
    assert copy.read_bytes() == (results / "losses/gan/samples/epoch_0012.png").read_bytes()
    (entry,) = manifest(tmp_path / "out")
    assert entry["source"] == "book/results/losses/gan/samples/epoch_0012.png" and entry["run"] == "book/results/losses/gan"
    assert entry["numbers"] == {"fid": 42.1235, "epochs": 12}
    assert (entry["config"], entry["comparison"], entry["member"]) == (None, "no/such/compare-losses.yaml", "gan")
    assert entry["caption"] == "book/results/losses/gan (no/such/compare-losses.yaml, 12 epochs): FID 42.1"
    assert sorted(p.name for p in report.written) == ["references.json", "samples.png"]


def test_check_reports_a_changed_and_an_obsolete_copy_and_writing_repairs_both(tmp_path, monkeypatch):
    results = fake_results(tmp_path / "results")
    monkeypatch.setattr(refs, "REFERENCES", (refs.Reference("01_vanilla_dcgan", "samples", "losses/gan/samples/epoch_*.png", "x"),))
    out = tmp_path / "out"
    refs.build_references(results_dir=results, out_dir=out)
    assert refs.build_references(results_dir=results, out_dir=out, check=True).stale == []
    (out / "01_vanilla_dcgan" / "samples.png").write_bytes(b"not the stored figure")
    (out / "02_ring_gan").mkdir()
    (out / "02_ring_gan" / "old.png").write_bytes(b"left over")
    stale = refs.build_references(results_dir=results, out_dir=out, check=True).stale
    assert sorted(p.relative_to(out).as_posix() for p in stale) == ["01_vanilla_dcgan/samples.png", "02_ring_gan/old.png"]
    assert (out / "02_ring_gan" / "old.png").is_file(), "check writes and deletes nothing"
    refs.build_references(results_dir=results, out_dir=out)
    assert refs.build_references(results_dir=results, out_dir=out, check=True).stale == []
    assert not (out / "02_ring_gan" / "old.png").exists()


def test_a_missing_stored_result_names_the_command_that_makes_it(tmp_path):
    with pytest.raises(refs.ReferenceFigureError, match=r"book/reproduce.py --only saturation"):  # 01's, the first
        refs.build_references(results_dir=tmp_path, out_dir=tmp_path / "out")


def test_the_cli_check_exits_1_and_names_the_command_when_stale(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "01_vanilla_dcgan" / "samples.png"
    monkeypatch.setattr(refs, "build_references", lambda **kwargs: refs.ReferenceReport(
        files={stale: b""}, stale=[stale] if kwargs["check"] else []))
    assert main(["course", "references", "--check"]) == 1
    out = capsys.readouterr().out
    assert "gan-course course references" in out and str(stale) in out
    assert main(["course", "references", "--check", "--results", str(RESULTS)]) == 1


def test_show_beside_puts_the_stored_figure_right_of_the_students():
    student = image_grid(torch.zeros(4, 1, 8, 8), title="mine")
    both = refs.show_beside(student, "01", "samples")
    assert isinstance(both, Figure) and both is not student and len(both.axes) == 2
    right = both.axes[1].images[0].get_array()
    assert np.array_equal(np.asarray(right), imread(refs.REFERENCES_DIR / "01_vanilla_dcgan" / "samples.png"))
    caption = next(e["caption"] for e in manifest() if e["file"].endswith("01_vanilla_dcgan/samples.png"))
    # the title is wrapped to the figure's width, a long path inside a word: compare it without the white space
    assert "".join(both.axes[1].get_title().split()) == "".join(f"a healthy run: {caption}".split())
    assert both.axes[0].get_title() == "your run"


@pytest.mark.parametrize("assignment, name", [("01", "no-such-figure"), ("09", "samples"), ("01", "samples")])
def test_a_missing_reference_prints_why_and_shows_the_students_figure_alone(assignment, name, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(refs, "REFERENCES_DIR", tmp_path)  # nothing stored there: the last case is missing
    student = image_grid(torch.zeros(4, 1, 8, 8))
    assert refs.show_beside(student, assignment, name) is student
    assert refs.reference_figure(assignment, name) is None
    refs.show_reference(assignment, name)
    out = capsys.readouterr().out
    assert out.count(f"no healthy-run reference to show for {assignment}/{name}") == 3
    assert "carry on" in out


def test_a_corrupt_reference_png_is_a_message_too(tmp_path, monkeypatch, capsys):
    shutil.copytree(refs.REFERENCES_DIR, tmp_path / "refs")
    (tmp_path / "refs" / "02_ring_gan" / "scatter.png").write_bytes(b"\x89PNG broken")
    monkeypatch.setattr(refs, "REFERENCES_DIR", tmp_path / "refs")
    assert refs.reference_figure("02_ring_gan", "scatter") is None
    assert "gan-course course references" in capsys.readouterr().out


def reference_calls(source: str) -> list[tuple[str, list[str]]]:
    """(assignment, names) of every show_beside(fig, "0X", "name") / show_reference("0X", *names) call."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("show_beside", "show_reference"):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            calls.append((args[0], args[1:]))
    return calls


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_notebook_shows_a_registered_reference_figure(assignment):
    source = (paths.course_dir() / "course" / f"{assignment}.py").read_text(encoding="utf-8")
    calls = reference_calls("\n".join(line for line in source.splitlines() if not line.startswith("# %")))
    assert calls, f"course/{assignment}.py shows no reference figure ('a healthy run looks like this')"
    assert "healthy run looks like this" in source.lower()
    registered = {r.file[:-4] for r in refs.REFERENCES}
    for short, names in calls:
        assert assignment.startswith(short)
        assert names and all(f"{assignment}/{name}" in registered for name in names), (short, names)


def test_a_comparison_over_seeds_gives_the_first_seeds_run_and_the_mean_fid(tmp_path, monkeypatch):
    """gan-course compare with seeds stores <member>/seed-<s>/ and comparison.json rows of means."""
    results = tmp_path / "results"
    run = results / "cgan" / "bce" / "seed-0"
    (run / "samples").mkdir(parents=True)
    image_grid(torch.ones(4, 1, 8, 8), path=run / "samples" / "epoch_0003.png")
    image_grid(torch.ones(4, 1, 8, 8), path=results / "cgan" / "class_grids.png")
    (run / "metrics.json").write_text(json.dumps({"metrics": {"fid": 50.0}, "training": {"epochs": 3}}))
    (results / "cgan" / "comparison.json").write_text(json.dumps({"source": "x.yaml", "seeds": [0, 1, 2], "rows": [
        {"strategy": "bce", "run_dir": "bce", "n_seeds": 3, "fid_mean": 55.55, "fid_std": 4.0, "class_acc_mean": 0.9,
         "fid_floor": 0.3, "kid_std": None}]}))
    monkeypatch.setattr(refs, "REFERENCES", (
        refs.Reference("05_cgan_losses", "samples", "cgan/bce/samples/epoch_*.png", "x"),
        refs.Reference("05_cgan_losses", "class_grids", "cgan/class_grids.png", "y")))
    refs.build_references(results_dir=results, out_dir=tmp_path / "out")
    samples, grids = manifest(tmp_path / "out")
    assert samples["source"] == "book/results/cgan/bce/seed-0/samples/epoch_0003.png"
    assert (samples["run"], samples["member"], samples["comparison"]) == ("book/results/cgan/bce/seed-0", "bce", "x.yaml")
    assert grids["numbers"] == {"bce": {"n_seeds": 3, "fid_mean": 55.55, "fid_std": 4.0, "class_acc_mean": 0.9}}
    assert grids["caption"] == "book/results/cgan (x.yaml): FID bce 55.5"
