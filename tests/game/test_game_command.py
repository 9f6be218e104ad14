"""Does `gan-course game` refuse what is not a playable run in one line, and check a real one?"""

from __future__ import annotations

import socket

import pytest

from gan_course.cli import main
from gan_course.data import load_dataset
from gan_course.errors import CheckpointError, ConfigError
from gan_course.game import create_app
from gan_course.train import TrainConfig, train


def _one_line_error(capsys, fragment: str) -> None:
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_missing_or_empty_run_is_refused(tmp_path, capsys):
    assert main(["game", "--run", str(tmp_path / "nothing"), "--dry-run"]) == 2
    _one_line_error(capsys, "not a run directory with checkpoints")
    with pytest.raises(CheckpointError, match="not a run directory"):
        create_app(tmp_path)


def test_a_2d_run_is_refused_because_the_game_needs_images(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("gan_course.train.run_writer.save_final_plots", lambda *args, **kwargs: [])  # not needed here
    monkeypatch.setattr("gan_course.train.run_writer.save_samples", lambda *args, **kwargs: None)
    config = TrainConfig(out_dir=str(tmp_path), name="ring", n_points=128, batch_size=64, epochs=1, width=8, latent_dim=4,
                         progress=False, tensorboard=False, threads=1)
    run = train(config, data=load_dataset("ring", n_points=128)).run_dir
    assert main(["game", "--run", str(run), "--dry-run"]) == 2
    _one_line_error(capsys, "the game needs an image model")
    with pytest.raises(ConfigError):
        create_app(run)


def test_an_unknown_first_checkpoint_is_refused(run_dir, real_images):
    with pytest.raises(CheckpointError, match="unknown checkpoint 'epoch9'; this run has: best, latest"):
        create_app(run_dir, real=real_images, checkpoint="epoch9")


def test_dry_run_loads_the_run_and_the_real_test_images(run_dir, capsys):
    assert main(["game", "--run", str(run_dir), "--dry-run", "--port", "8999"]) == 0
    out = capsys.readouterr().out
    assert "cgan on fashion-mnist" in out and "10000 real images" in out  # Fashion-MNIST's test split
    assert "http://127.0.0.1:8999/" in out and not (run_dir / "game").exists()


def test_a_taken_port_is_refused(run_dir, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["game", "--run", str(run_dir), "--port", str(port)]) == 2
    _one_line_error(capsys, "already in use")
