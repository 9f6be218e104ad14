"""Tests for gan_course.models (the registry): every model builds, runs, learns and keeps the
promises its ModelSpec makes; build_models errors name the fix."""

from __future__ import annotations


import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from gan_course.errors import ConfigError, GanCourseError
from gan_course.models import DATA_KINDS, MODELS, ModelSpec, build_models, count_parameters, get_model_spec

LATENT, WIDTH, CLASSES, BATCH = 8, 4, 3, 4


def _cases():
    """(name, data_shape) for every model and every kind of data it takes, at tiny sizes."""
    for name, spec in MODELS.items():
        if "points" in spec.data_kinds:
            yield name, (2,)
        if "image" in spec.data_kinds:
            sizes = spec.image_sizes or (28,)
            yield name, (1, min(sizes), min(sizes))
            yield name, (3, max(sizes), max(sizes))


CASES = list(_cases())


def _build(name, shape):
    torch.manual_seed(0)
    return build_models(name, data_shape=shape, num_classes=CLASSES, latent_dim=LATENT, width=WIDTH)


def _batch(G):
    z = torch.randn(BATCH, G.latent_dim)
    labels = torch.arange(BATCH) % CLASSES
    return z, labels


def test_registry_holds_the_five_models_with_consistent_specs():
    assert list(MODELS) == ["mlp", "dcgan", "wgan", "sngan", "cgan"]
    for name, spec in MODELS.items():
        assert isinstance(spec, ModelSpec) and spec.name == name and spec.description
        assert spec.data_kinds and spec.data_kinds <= DATA_KINDS == {"points", "image"}
        assert get_model_spec(name) is spec
    assert [n for n, s in MODELS.items() if s.conditional] == ["cgan"]


@pytest.mark.parametrize("name, shape", CASES)
def test_models_produce_data_shaped_samples_and_flat_logits(name, shape):
    G, D = _build(name, shape)
    z, labels = _batch(G)
    x = G(z, labels)
    assert x.shape == (BATCH, *shape)
    assert x.std().item() > 0
    logits = D(x, labels)
    assert logits.shape == (BATCH,) and torch.isfinite(logits).all()
    assert G.latent_dim == LATENT


@pytest.mark.parametrize("name, shape", [c for c in CASES if len(c[1]) == 3])
def test_image_generators_end_in_tanh_so_samples_lie_in_minus_one_one(name, shape):
    G, _ = _build(name, shape)
    z, labels = _batch(G)
    x = G(10 * z, labels)  # large latents push towards saturation
    assert x.min().item() >= -1.0 and x.max().item() <= 1.0


@pytest.mark.parametrize("name, shape", CASES)
def test_discriminators_have_no_sigmoid_and_give_scores_outside_zero_one(name, shape):
    _, D = _build(name, shape)
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())
    x = 10 * (torch.rand(64, *shape) * 2 - 1)  # LeakyReLU nets grow with the input; a sigmoid would not
    scores = D.train()(x, torch.arange(64) % CLASSES)
    assert ((scores < 0) | (scores > 1)).any()  # not probabilities
    assert not torch.allclose(scores, scores[:1].expand_as(scores))


@pytest.mark.parametrize("name, shape", CASES)
def test_gradients_reach_every_parameter(name, shape):
    G, D = _build(name, shape)
    z, labels = _batch(G)
    D(G(z, labels), labels).mean().backward()
    for model in (G, D):
        for pname, p in model.named_parameters():
            assert p.grad is not None, pname
            assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, pname


@pytest.mark.parametrize("name", list(MODELS))
def test_spec_batchnorm_and_spectral_norm_flags_match_the_built_discriminator(name):
    spec = MODELS[name]
    shape = (2,) if spec.data_kinds == {"points", "image"} else (1, min(spec.image_sizes), min(spec.image_sizes))
    _, D = _build(name, shape)
    has_bn = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in D.modules())
    assert has_bn == spec.discriminator_has_batchnorm
    layers = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Embedding))]
    normalised = [parametrize.is_parametrized(m, "weight") for m in layers]
    assert all(normalised) if spec.spectral_norm else not any(normalised)


def test_wgan_critic_has_no_batchnorm_but_dcgan_discriminator_has():
    _, critic = _build("wgan", (1, 28, 28))
    _, dcgan_d = _build("dcgan", (1, 28, 28))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
    assert any(isinstance(m, nn.GroupNorm) for m in critic.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in dcgan_d.modules())


def test_sngan_discriminator_has_spectral_norm_on_every_conv():
    _, D = _build("sngan", (3, 64, 64))
    convs = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(convs) == 5 and all(parametrize.is_parametrized(m, "weight") for m in convs)


@pytest.mark.parametrize("name", [n for n, s in MODELS.items() if s.conditional])
def test_conditional_models_require_labels(name):
    G, D = _build(name, (1, 28, 28))
    z, _ = _batch(G)
    with pytest.raises(ValueError, match="needs labels"):
        G(z)
    with pytest.raises(ValueError, match="needs labels"):
        D(torch.zeros(BATCH, 1, 28, 28))


@pytest.mark.parametrize("name", [n for n, s in MODELS.items() if not s.conditional])
def test_unconditional_models_ignore_labels(name):
    shape = (1, 28, 28)
    G, D = _build(name, shape)
    G.eval(), D.eval()
    z, labels = _batch(G)
    torch.testing.assert_close(G(z), G(z, labels))
    x = G(z)
    torch.testing.assert_close(D(x), D(x, labels))


def test_default_widths_give_the_course_architectures():
    G, D = build_models("mlp", data_shape=(2,))
    assert [m.out_features for m in G.modules() if isinstance(m, nn.Linear)] == [128, 256, 256, 2]
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [128, 256, 128, 1]
    G, D = build_models("dcgan", data_shape=(3, 64, 64))
    assert count_parameters(G) == 3_576_704  # pytorch/examples dcgan generator
    assert count_parameters(D) == 2_765_568  # pytorch/examples dcgan discriminator


def test_count_parameters_counts_each_scalar_once():
    assert count_parameters(nn.Linear(3, 4)) == 16
    sn = build_models("sngan", data_shape=(1, 28, 28), width=2)[1]
    plain = build_models("wgan", data_shape=(1, 28, 28), width=2)[1]
    # the same convs (+ biases, no GroupNorm affine) whether normalised or not: u, v are buffers
    conv_weights = sum(m.parametrizations.weight.original.numel() for m in sn.modules() if isinstance(m, nn.Conv2d))
    conv_biases = sum(m.bias.numel() for m in sn.modules() if isinstance(m, nn.Conv2d))
    assert count_parameters(sn) == conv_weights + conv_biases
    assert count_parameters(plain) == conv_weights + 2 * (2 * 2)  # one GroupNorm(1, 2w) affine pair


# ---------------------------------------------------------------------------------- errors


def test_unknown_model_lists_the_choices():
    with pytest.raises(ConfigError, match="unknown model 'stylegan'; choose one of: mlp, dcgan, wgan, sngan, cgan"):
        build_models("stylegan", data_shape=(2,))
    with pytest.raises(GanCourseError):
        get_model_spec("stylegan")


@pytest.mark.parametrize("name", ["dcgan", "wgan", "sngan", "cgan"])
def test_image_model_on_points_says_use_mlp(name):
    with pytest.raises(ConfigError, match="needs images.*use --model mlp"):
        build_models(name, data_shape=(2,), num_classes=CLASSES)


@pytest.mark.parametrize(
    "name, shape, nearest", [("dcgan", (3, 60, 60), 64), ("sngan", (1, 16, 16), 28), ("cgan", (3, 64, 64), 32)]
)
def test_unsupported_image_size_lists_sizes_and_suggests_image_size(name, shape, nearest):
    sizes = ", ".join(map(str, MODELS[name].image_sizes))
    with pytest.raises(ConfigError, match=rf"supports image sizes {sizes}.*--image-size {nearest}"):
        build_models(name, data_shape=shape, num_classes=CLASSES)


def test_non_square_images_are_refused_with_the_fix():
    with pytest.raises(ConfigError, match="square images.*--image-size 32"):
        build_models("dcgan", data_shape=(3, 32, 40))


def test_conditional_model_on_unlabelled_data_says_choose_labels_or_unconditional():
    with pytest.raises(ConfigError, match=r"conditional and needs a labelled dataset.*--dataset.*--model dcgan"):
        build_models("cgan", data_shape=(1, 28, 28), num_classes=0)


@pytest.mark.parametrize("shape", [(), (2, 2), (1, 0, 0), (1, 28, 28, 1)])
def test_malformed_data_shape_is_refused(shape):
    with pytest.raises(ConfigError, match=r"\(D,\) for points or \(C, H, W\) for images"):
        build_models("mlp", data_shape=shape)


def test_bad_latent_dim_and_width_are_refused():
    with pytest.raises(ConfigError, match="latent_dim"):
        build_models("mlp", data_shape=(2,), latent_dim=0)
    with pytest.raises(ConfigError, match="width"):
        build_models("mlp", data_shape=(2,), width=0)


def test_mlp_takes_non_square_images():
    G, D = build_models("mlp", data_shape=(1, 8, 12), latent_dim=LATENT, width=WIDTH)
    x = G(torch.randn(2, LATENT))
    assert x.shape == (2, 1, 8, 12) and D(x).shape == (2,)
