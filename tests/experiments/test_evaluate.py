"""Does evaluate_run compute the metrics that fit a run's data, equal to the metric functions on
the same samples, each with its protocol, and write metrics.json atomically?"""

from __future__ import annotations

import json

import pytest

from gan_course.data import synthetic_like
from gan_course.errors import CheckpointError, ConfigError, DatasetNotFoundError
from gan_course.experiments.evaluate import evaluate_run, feature_from_option, format_table
from gan_course.run_dir import METRICS_FILE
from gan_course.metrics.fid import compute_fid, fid_floor
from gan_course.metrics.ring import ring_metrics
from gan_course.sampling import class_labels, generate, noise
from gan_course.train import TrainConfig, load_generator, train


@pytest.fixture(autouse=True)
def no_plots(monkeypatch):
    """Training here only has to leave checkpoints and a history: skip its matplotlib outputs."""
    monkeypatch.setattr("gan_course.train.run_writer.save_final_plots", lambda *args, **kwargs: [])
    monkeypatch.setattr("gan_course.train.run_writer.save_samples", lambda *args, **kwargs: None)


@pytest.fixture
def ring_run(tmp_path):
    config = TrainConfig(out_dir=str(tmp_path), name="ring", n_points=256, batch_size=64, epochs=2, width=16,
                         latent_dim=8, progress=False, sample_every=100, threads=1)
    return train(config).run_dir


@pytest.fixture
def cgan_run(tmp_path):
    """A conditional GAN trained 2 epochs on synthetic images; its config names Fashion-MNIST."""
    config = TrainConfig(out_dir=str(tmp_path), name="cgan", model="cgan", dataset="fashion-mnist", batch_size=16,
                         epochs=2, width=8, latent_dim=8, progress=False, sample_every=100, threads=1,
                         fid_every=1, fid_samples=32)
    return train(config, data=synthetic_like("fashion-mnist", n=64)).run_dir


def test_a_ring_run_gets_the_ring_metrics_of_its_best_generator(ring_run):
    result = evaluate_run(ring_run, samples=500)
    generator, _ = load_generator(ring_run)
    expected = ring_metrics(generate(generator, noise(500, generator.latent_dim, seed=0)))
    for key in ("energy_distance", "coverage_left", "coverage_right", "within_3sigma", "left_share"):
        assert result["metrics"][key] == pytest.approx(getattr(expected, key), abs=1e-12)
        assert result["protocols"][key]["n_generated"] == 500
    assert result["kind"] == "points" and result["per_class"] == []
    assert result["checkpoint"]["which"] == "best"
    assert json.loads((ring_run / METRICS_FILE).read_text()) == result


def test_the_training_summary_comes_from_the_history(ring_run):
    result = evaluate_run(ring_run, samples=100)
    history = json.loads((ring_run / "history.json").read_text())["epochs"]
    training = result["training"]
    assert training["train_time_s"] == history["time"][-1] and training["epochs"] == 2
    assert training["s_per_epoch"] == pytest.approx(sum(history["epoch_time"]) / 2)
    assert training["eval_overhead"] == pytest.approx(sum(history["eval_time"]) / history["time"][-1])
    assert training["best_by"] == "energy_distance"


def test_an_image_run_gets_fid_kid_the_floor_and_per_class_metrics_with_protocols(cgan_run):
    result = evaluate_run(cgan_run, samples=100, kid_subsets=10)
    metrics, protocols = result["metrics"], result["protocols"]
    generator, _ = load_generator(cgan_run)
    labels = class_labels(100, 10)
    fake = generate(generator, noise(100, generator.latent_dim, seed=0), labels)
    reference = compute_fid("fashion-mnist", fake, split="test", n_real=100)
    assert metrics["fid"] == pytest.approx(reference.value, rel=1e-9)
    assert metrics["fid_floor"] == pytest.approx(fid_floor("fashion-mnist", n=100).value, rel=1e-9)
    assert metrics["fid"] > metrics["fid_floor"] > 0 and metrics["kid_mean"] > 0 and metrics["kid_std"] >= 0
    assert protocols["fid"]["real_split"] == "test" and protocols["fid_floor"]["real_split"] == "train"
    for key in ("fid", "kid", "fid_floor"):
        assert protocols[key]["feature"] == "fashion-mnist-classifier"
        assert protocols[key]["n_real"] == 100
    assert protocols["fid"]["n_fake"] == protocols["kid"]["n_fake"] == 100
    rows = result["per_class"]
    assert [row["class"] for row in rows] == list(range(10)) and rows[0]["name"] == "T-shirt/top"
    assert all(row["n_generated"] == 10 and row["fid_protocol"]["n_fake"] == 10 for row in rows)
    assert metrics["class_accuracy"] == pytest.approx(sum(row["accuracy"] for row in rows) / 10)  # balanced classes
    assert result["training"]["best_by"] == "val_fid"
    table = format_table(result)
    assert "FID floor" in table and "T-shirt/top" in table and "100 real (fashion-mnist test)" in table


def test_latest_evaluates_the_last_epoch(cgan_run):
    result = evaluate_run(cgan_run, samples=20, checkpoint="latest", per_class=False, kid_subsets=2, write=False)
    assert result["checkpoint"]["which"] == "latest" and result["checkpoint"]["epoch"] == 2
    assert "class_accuracy" not in result["metrics"] and not (cgan_run / METRICS_FILE).exists()


def test_a_failed_evaluation_leaves_the_previous_metrics_file_untouched(ring_run):
    (ring_run / METRICS_FILE).write_text('{"old": true}')
    with pytest.raises(ConfigError, match="samples"):
        evaluate_run(ring_run, samples=1)
    assert (ring_run / METRICS_FILE).read_text() == '{"old": true}'


def test_a_directory_that_is_no_run_is_refused_with_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="not a run directory"):
        evaluate_run(tmp_path)
    with pytest.raises(ConfigError, match="not a directory"):
        evaluate_run(tmp_path / "missing")


def test_a_run_without_a_checkpoint_says_to_train_first(tmp_path):
    (tmp_path / "config.yaml").write_text("name: x\n")
    with pytest.raises(CheckpointError, match="train it first"):
        evaluate_run(tmp_path)


def test_a_run_whose_dataset_is_missing_names_where_to_put_it(tmp_path):
    config = TrainConfig(out_dir=str(tmp_path), name="mnist", model="dcgan", dataset="mnist", batch_size=16, epochs=1,
                         width=8, latent_dim=8, progress=False, sample_every=100, threads=1)
    run_dir = train(config, data=synthetic_like("mnist", n=32)).run_dir
    with pytest.raises(DatasetNotFoundError):
        evaluate_run(run_dir, samples=20, feature="fashion-mnist")


def test_the_feature_option_takes_a_classifier_name_or_its_weights_path():
    from gan_course.metrics.classifier import WEIGHTS_DIR

    by_name = feature_from_option(None, "fashion-mnist")
    by_path = feature_from_option(str(WEIGHTS_DIR / "fashion-mnist-classifier.pt"), "mnist")
    assert by_path.name == by_name.name == "fashion-mnist-classifier" and by_path.sha256 == by_name.sha256
    with pytest.raises(ConfigError, match="no such file"):
        feature_from_option("missing-weights.pt", "fashion-mnist")
