"""Can a user train, sample, interpolate, redraw and resume a run from the command line alone?"""

from __future__ import annotations

import json

import pytest
from PIL import Image

from gan_course.cli import main

RING = ["--config", "ring", "--n-points", "512", "--batch-size", "128", "--epochs", "2", "--log-every", "1", "--no-progress"]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A tiny finished ring run, trained once through `gan-course train`."""
    out = tmp_path_factory.mktemp("runs")
    assert main(["train", *RING, "--out", str(out), "--name", "tiny"]) == 0
    return out / "tiny"


def test_train_writes_every_artefact(ring_run):
    for relative in ("config.yaml", "history.json", "history.csv", "checkpoints/latest.pt", "checkpoints/best.pt",
                     "samples/epoch_0002.png", "plots/losses.png", "plots/scores.png", "plots/scatter.png",
                     "plots/critic.png"):
        assert (ring_run / relative).is_file(), relative
    history = json.loads((ring_run / "history.json").read_text())
    assert history["epochs"]["epoch"] == [1, 2]
    assert len(history["steps"]["step"]) > 0


def test_sample_writes_a_scatter_for_the_ring(ring_run, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", str(ring_run), "--n", "300", "--out", str(out)]) == 0
    assert Image.open(out).size[0] > 100
    assert str(out) in capsys.readouterr().out


def test_plot_redraws_from_the_history(ring_run, tmp_path):
    out = tmp_path / "replots"
    assert main(["plot", str(ring_run), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["critic.png", "losses.png", "scatter.png", "scores.png"]


def test_interpolate_draws_the_latent_paths(ring_run, tmp_path):
    out = tmp_path / "paths.png"
    assert main(["interpolate", str(ring_run), "--rows", "2", "--steps", "5", "--out", str(out)]) == 0
    assert out.is_file()


def test_sample_and_interpolate_draw_the_runs_own_real_points(ring_run, tmp_path, monkeypatch):
    """One saver: both verbs draw 2D samples over the run's fixed real sample, as the trainer does."""
    import torch

    from gan_course import plotting
    from gan_course.train import load_generator
    from gan_course.train.outputs import reference_points

    drawn = []
    monkeypatch.setattr(plotting, "plot_scatter", lambda real, fake, **kw: drawn.append(real))
    assert main(["sample", str(ring_run), "--n", "10", "--out", str(tmp_path / "a.png")]) == 0
    assert main(["interpolate", str(ring_run), "--rows", "2", "--steps", "3", "--out", str(tmp_path / "b.png")]) == 0
    _, config = load_generator(ring_run)
    assert len(drawn) == 2 and torch.equal(drawn[0], drawn[1]) and torch.equal(drawn[0], reference_points(config))


@pytest.mark.parametrize("verb", ["sample", "interpolate", "plot"])
def test_dry_runs_write_nothing_into_the_run(ring_run, verb, capsys):
    before = sorted(p.relative_to(ring_run) for p in ring_run.rglob("*"))
    assert main([verb, str(ring_run), "--dry-run"]) == 0
    assert sorted(p.relative_to(ring_run) for p in ring_run.rglob("*")) == before
    assert "dry run" in capsys.readouterr().out


def test_train_dry_run_uses_synthetic_data_and_writes_nothing(tmp_path, capsys):
    assert main(["train", "--model", "dcgan", "--dataset", "cifar10", "--epochs", "3", "--batch-size", "8",
                 "--width", "8", "--out", str(tmp_path), "--dry-run"]) == 0
    assert list(tmp_path.iterdir()) == []
    assert "checkpoints/latest.pt" in capsys.readouterr().out


def test_resuming_a_finished_run_keeps_it_and_a_new_run_refuses_to_overwrite(ring_run, capsys):
    latest = (ring_run / "checkpoints" / "latest.pt").read_bytes()
    assert main(["train", *RING, "--out", str(ring_run.parent), "--name", "tiny", "--resume"]) == 0
    assert (ring_run / "checkpoints" / "latest.pt").read_bytes() == latest
    assert main(["train", *RING, "--out", str(ring_run.parent), "--name", "tiny"]) == 2
    assert "--resume" in capsys.readouterr().err


def test_resuming_with_another_model_is_refused(ring_run, capsys):
    status = main(["train", *RING, "--out", str(ring_run.parent), "--name", "tiny", "--resume", "--strategy", "lsgan"])
    err = capsys.readouterr().err
    assert status == 2 and "lsgan" in err and "Traceback" not in err


def test_class_option_needs_a_conditional_model(ring_run, capsys):
    assert main(["sample", str(ring_run), "--class", "3"]) == 2
    assert "conditional" in capsys.readouterr().err
