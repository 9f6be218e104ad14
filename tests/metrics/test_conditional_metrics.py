"""Do the per-class metrics of a conditional generator match their definitions: the classifier's
accuracy per requested class, and the FID of each class against that class's real images?"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from gan_course.data import InMemoryData, to_float
from gan_course.errors import ConfigError
from gan_course.metrics.classifier import load_classifier
from gan_course.metrics.conditional import class_accuracy, per_class_fid
from gan_course.metrics.features import FeatureNetwork


@pytest.fixture(scope="module")
def fashion_test(tmp_path_factory):
    """The first 600 Fashion-MNIST test images, from Debian's dataset-fashion-mnist files."""
    from gan_course.data import load_dataset

    return load_dataset("fashion-mnist", split="test", root=tmp_path_factory.mktemp("data"), max_items=600)


def test_real_images_with_their_true_labels_score_the_classifiers_accuracy(fashion_test):
    """Are the per-class accuracies the per-class means of (prediction == requested class)?"""
    images, labels = to_float(fashion_test.data), fashion_test.labels
    result = class_accuracy(images, labels)
    model, card = load_classifier("fashion-mnist")
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    for c in range(10):
        assert result.by_class[c] == pytest.approx(float((predicted[labels == c] == c).double().mean()), abs=1e-12)
        assert result.counts[c] == int((labels == c).sum())
    assert result.overall == pytest.approx(float((predicted == labels).double().mean()), abs=1e-12)
    assert result.overall == pytest.approx(card["test_accuracy"], abs=0.04)
    assert result.classifier == "fashion-mnist-classifier" and result.classifier_sha256 == card["sha256"]


def test_images_of_the_wrong_class_score_near_zero(fashion_test):
    wrong = (fashion_test.labels + 1) % 10  # every image requested as the next class
    result = class_accuracy(fashion_test.data, wrong)  # uint8 images are accepted too
    assert result.overall < 0.1
    assert result.n_generated == len(wrong)


def test_labels_that_do_not_match_the_images_are_a_config_error(fashion_test):
    with pytest.raises(ConfigError, match="labels"):
        class_accuracy(to_float(fashion_test.data[:10]), torch.zeros(9, dtype=torch.long))


# --- per-class FID with known features ---------------------------------------------------------

def identity_network(d: int) -> FeatureNetwork:
    """Features = the flattened pixels in [-1, 1]: images (N, d, 1, 1) carry known feature vectors."""
    return FeatureNetwork(nn.Flatten(), d, name="identity")


def frechet_reference(x: np.ndarray, y: np.ndarray) -> float:
    mx, my = x.mean(0), y.mean(0)
    sx, sy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    return float(((mx - my) ** 2).sum() + np.trace(sx + sy - 2 * scipy.linalg.sqrtm(sx @ sy).real))


@pytest.fixture
def two_classes():
    """300 uint8 'images' (N, 3, 1, 1): class 0 dark, class 1 bright, so their features differ."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(300) % 2
    centre = torch.where(labels == 0, 60.0, 190.0).reshape(-1, 1, 1, 1)
    pixels = (centre + 25 * torch.randn(300, 3, 1, 1, generator=g)).clamp(0, 255).to(torch.uint8)
    return InMemoryData(pixels, labels, name="blobs")


def test_per_class_fid_of_each_class_against_itself_is_zero(two_classes):
    fake = to_float(two_classes.data)  # "generated" = the real images, with their own labels
    results = per_class_fid(fake, two_classes.labels, two_classes, feature=identity_network(3))
    assert sorted(results) == [0, 1]
    for c, result in results.items():
        assert result.value == pytest.approx(0.0, abs=1e-6)
        assert result.protocol.dataset == f"blobs-class{c}" and result.protocol.real_split == "test"
        assert result.protocol.n_real == result.protocol.n_fake == 150


def test_per_class_fid_matches_the_closed_form_of_each_class(two_classes):
    g = torch.Generator().manual_seed(1)
    fake = torch.rand(200, 3, 1, 1, generator=g) * 2 - 1  # (200, 3, 1, 1) uniform in [-1, 1]
    labels = torch.arange(200) % 2
    results = per_class_fid(fake, labels, two_classes, feature=identity_network(3), n_real=None)  # every real image
    real = to_float(two_classes.data).flatten(1).double().numpy()
    for c in (0, 1):
        generated = fake[labels == c].flatten(1).double().numpy()
        expected = frechet_reference(real[two_classes.labels.numpy() == c], generated)
        assert results[c].value == pytest.approx(expected, rel=1e-4)


def test_by_default_each_class_draws_as_many_real_images_as_were_generated_for_it(two_classes):
    fake = torch.rand(60, 3, 1, 1, generator=torch.Generator().manual_seed(2)) * 2 - 1
    labels = torch.tensor([0] * 20 + [1] * 40)
    results = per_class_fid(fake, labels, two_classes, feature=identity_network(3))
    assert [(r.protocol.n_real, r.protocol.n_fake) for r in results.values()] == [(20, 20), (40, 40)]


def test_swapped_classes_score_far_worse_than_matched_ones(two_classes):
    fake = to_float(two_classes.data)
    matched = per_class_fid(fake, two_classes.labels, two_classes, feature=identity_network(3))
    swapped = per_class_fid(fake, 1 - two_classes.labels, two_classes, feature=identity_network(3))
    assert min(r.value for r in swapped.values()) > 1.0 > 100 * max(r.value for r in matched.values())


def test_per_class_fid_needs_labelled_real_data(two_classes):
    unlabelled = InMemoryData(two_classes.data, None, name="blobs")
    with pytest.raises(ConfigError, match="labelled"):
        per_class_fid(to_float(two_classes.data), two_classes.labels, unlabelled, feature=identity_network(3))
