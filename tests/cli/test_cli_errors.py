"""Does every bad argument end in one line that names the fix, a non-zero exit, and no traceback?"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from gan_course.cli import main


def _run(capsys, *argv: str) -> tuple[int, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:  # argparse errors
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "argv, fix",
    [
        (("train", "--model", "vae"), "mlp"),  # unknown model: lists the choices
        (("train", "--model", "dcgan", "--dataset", "ring"), "--model mlp"),  # image model on 2D points
        (("train", "--model", "dcgan", "--dataset", "fashion-mnist", "--regularizer", "gp"), "--model wgan"),  # GP + BatchNorm
        (("train", "--loss", "wasserstein", "--regularizer", "none"), "--regularizer gp"),  # unconstrained critic
        (("train", "--strategy", "hinge", "--real-label", "0.9"), "real_label"),  # no label to smooth
        (("train", "--dataset", "imagenet"), "fashion-mnist"),  # unknown dataset
        (("train", "--epochs", "0"), "epochs"),
        (("train", "--config", "no-such-config"), "ring"),  # unknown shipped config: lists them
        (("train", "--epochs", "three"), "--help"),  # argparse type error
    ],
)
def test_bad_train_arguments_print_one_line_naming_the_fix(capsys, argv, fix):
    status, err = _run(capsys, *argv)
    assert status != 0
    assert fix in _one_line(err)


def test_a_missing_dataset_says_where_the_files_must_go(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "data"))
    status, err = _run(capsys, "train", "--model", "dcgan", "--dataset", "cifar10", "--epochs", "1")
    line = _one_line(err)
    assert status != 0
    assert str(tmp_path / "data") in line and "GAN_COURSE_OFFLINE" in line


def test_an_unreadable_checkpoint_is_one_line(capsys, tmp_path):
    bad = tmp_path / "latest.pt"
    bad.write_bytes(b"this is not a checkpoint")
    status, err = _run(capsys, "sample", str(bad))
    assert status != 0
    assert str(bad) in _one_line(err)


def test_a_missing_run_directory_is_one_line(capsys, tmp_path):
    status, err = _run(capsys, "interpolate", str(tmp_path / "nowhere"))
    assert status != 0
    assert "nowhere" in _one_line(err)


def test_a_checkpoint_of_another_program_is_refused(capsys, tmp_path):
    other = tmp_path / "weights.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, other)
    status, err = _run(capsys, "sample", str(other))
    assert status != 0
    assert "checkpoint" in _one_line(err).lower()


def test_the_console_script_exits_2_without_a_traceback():
    """The installed entry point (python -m gan_course) behaves like main()."""
    done = subprocess.run(
        [sys.executable, "-m", "gan_course", "train", "--model", "vae", "--dry-run"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "vae" in done.stderr
