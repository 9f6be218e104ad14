"""Does the shipped feature classifier load offline and keep its recorded accuracy, and do
training, saving, loading and the train-classifier command behave?"""

from __future__ import annotations

import json
import socket

import pytest
import torch

from gan_course import paths
from gan_course.cli import main
from gan_course.data import synthetic_like
from gan_course.errors import CheckpointError, ConfigError, GanCourseError
from gan_course.metrics.classifier import (
    WEIGHTS_DIR, classifier_accuracy, find_weights, load_classifier, sha256_file, train_classifier,
)
from gan_course.metrics.features import inception_feature_network, load_feature_network

SHIPPED = WEIGHTS_DIR / "fashion-mnist-classifier.pt"
MAX_WEIGHTS_BYTES = 2_000_000


@pytest.fixture(scope="module")
def fashion_test(tmp_path_factory):
    """The first 2000 Fashion-MNIST test images, from Debian's dataset-fashion-mnist files."""
    from gan_course.data import load_dataset

    return load_dataset("fashion-mnist", split="test", root=tmp_path_factory.mktemp("data"), max_items=2000)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def tiny(tmp_path):
    """A classifier trained for one epoch on synthetic Fashion-MNIST-shaped blobs; returns (path, card, data)."""
    data = synthetic_like("fashion-mnist", n=64, seed=0)
    out = tmp_path / "tiny.pt"
    card = train_classifier("fashion-mnist", epochs=1, batch_size=32, seed=0, out=out, data=data, test_data=data)
    return out, card, data


# --- the shipped network ------------------------------------------------------------------------

def test_the_shipped_network_loads_offline_and_reproduces_its_recorded_accuracy(fashion_test, no_network):
    model, card = load_classifier("fashion-mnist")
    assert find_weights("fashion-mnist") == SHIPPED
    assert card["dataset"] == "fashion-mnist" and card["test_samples"] == 10_000
    assert card["test_accuracy"] >= 0.90
    accuracy = classifier_accuracy(model, fashion_test)
    assert accuracy == pytest.approx(card["test_accuracy"], abs=0.015)


def test_the_shipped_weights_are_small_and_their_card_is_complete():
    card = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert SHIPPED.stat().st_size == card["size_bytes"] < MAX_WEIGHTS_BYTES
    assert sha256_file(SHIPPED) == card["sha256"]
    for field in ("architecture", "feature_dim", "dataset", "train_accuracy", "test_accuracy", "epochs", "seed",
                  "torch_version", "train_time_s", "date", "input_scaling"):
        assert field in card, field
    assert 0.9 <= card["test_accuracy"] <= card["train_accuracy"] + 0.02


def test_the_feature_network_stays_in_eval_mode_and_reads_uint8_or_float(fashion_test):
    net = load_feature_network("fashion-mnist")
    assert net.num_features == net.card["feature_dim"] and net.name == "fashion-mnist-classifier"
    net.train()
    assert not net.training and not any(m.training for m in net.modules())
    pixels = fashion_test.data[:16]  # (16, 1, 28, 28) uint8
    from_uint8, from_float = net(pixels), net(pixels.float() / 127.5 - 1)
    assert from_uint8.shape == (16, net.num_features) and from_uint8.dtype == torch.float32
    assert torch.allclose(from_uint8, from_float) and (from_uint8 >= 0).all() and from_uint8.std() > 0
    assert not from_uint8.requires_grad
    with pytest.raises(ConfigError, match=r"takes images \(N, 1, 28, 28\)"):
        net(torch.zeros(2, 3, 32, 32))


# --- training, saving, loading --------------------------------------------------------------------

def test_a_trained_classifier_round_trips_through_its_weights_and_card(tiny):
    out, card, data = tiny
    model, loaded = load_classifier(path=out)
    assert loaded == card and card["sha256"] == sha256_file(out)
    assert classifier_accuracy(model, data) == card["test_accuracy"]
    assert card["epochs"] == 1 and card["seed"] == 0 and card["train_samples"] == 64


def test_training_learns_the_synthetic_classes(tmp_path):
    data = synthetic_like("fashion-mnist", n=400, seed=1)
    card = train_classifier("fashion-mnist", epochs=4, batch_size=32, seed=0, out=tmp_path / "c.pt", data=data,
                            test_data=synthetic_like("fashion-mnist", n=200, seed=2))
    assert card["test_accuracy"] > 0.8  # chance is 0.1


def test_a_classifier_trained_into_the_cache_is_found_by_dataset_name():
    data = synthetic_like("mnist", n=32, seed=0)
    card = train_classifier("mnist", epochs=1, batch_size=16, seed=0, data=data, test_data=data)
    assert find_weights("mnist") == paths.cache_dir() / "classifiers" / "mnist-classifier.pt"
    assert load_feature_network("mnist").sha256 == card["sha256"]


def test_corrupt_weights_are_refused_with_the_fix(tiny):
    out, _, _ = tiny
    blob = bytearray(out.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    out.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="corrupt.*train-classifier"):
        load_classifier(path=out)


def test_weights_without_their_card_are_refused(tiny):
    out, _, _ = tiny
    out.with_suffix(".json").unlink()
    with pytest.raises(CheckpointError, match="card"):
        load_classifier(path=out)


def test_a_missing_classifier_names_the_command_that_trains_it():
    with pytest.raises(CheckpointError, match="gan-course train-classifier --dataset cifar10"):
        load_feature_network("cifar10")


def test_an_unknown_dataset_is_a_config_error():
    with pytest.raises(ConfigError, match="choose one of: mnist, fashion-mnist, cifar10"):
        load_feature_network("ring")


def test_inception_without_its_weights_says_how_to_get_them(tmp_path):
    with pytest.raises(CheckpointError, match="weights-inception-2015-12-05-6726825d.pth.*feature='fashion-mnist'"):
        inception_feature_network()
    with pytest.raises(CheckpointError, match="do not exist"):
        inception_feature_network(tmp_path / "missing.pth")
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a torch file")
    with pytest.raises(GanCourseError, match="pip install torch-fidelity|not a readable"):
        inception_feature_network(garbage)  # the message depends on whether torch-fidelity is installed


# --- the train-classifier command -----------------------------------------------------------------

def test_train_classifier_dry_run_trains_on_synthetic_data_and_writes_nothing(capsys):
    assert main(["train-classifier", "--dataset", "fashion-mnist", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "fashion-mnist-classifier.pt" in out and "fashion-mnist-classifier.json" in out
    assert not (paths.cache_dir() / "classifiers").exists()


def test_train_classifier_with_a_bad_dataset_prints_one_line_and_exits_2(capsys):
    assert main(["train-classifier", "--dataset", "celeba"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose one of: mnist, fashion-mnist, cifar10" in err
