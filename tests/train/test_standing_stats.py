"""Standing statistics: BatchNorm statistics recomputed for the sampling generator (Brock et al. 2019)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.train import Trainer
from gan_course.train.standing_stats import batch_norms, standing_statistics
from gan_course.train.state import STANDING_SEED_OFFSET

from .conftest import parameters_of


class _TinyGenerator(nn.Module):
    """z (B, 3) [, labels (B,)] -> (B, 4): Linear, BatchNorm1d (momentum 0.8, as the cGAN's), ReLU."""

    def __init__(self, num_classes: int = 0):
        super().__init__()
        self.latent_dim, self.num_classes = 3, num_classes
        self.linear = nn.Linear(3, 4)
        self.embed = nn.Embedding(max(num_classes, 1), 4)
        self.norm = nn.BatchNorm1d(4, momentum=0.8)

    def pre_norm(self, z, labels=None):
        h = self.linear(z)
        return h + self.embed(labels) if labels is not None else h  # (B, 4)

    def forward(self, z, labels=None):
        return torch.relu(self.norm(self.pre_norm(z, labels)))


@pytest.mark.parametrize("num_classes", [0, 3])
def test_the_statistics_are_the_average_over_all_passes_of_the_pre_norm_activations(num_classes):
    torch.manual_seed(0)
    G = _TinyGenerator(num_classes).eval()
    G.norm.running_mean.fill_(5.0)  # stale statistics from "training"
    standing_statistics(G, batch_size=16, batches=7, seed=3)
    rng = torch.Generator().manual_seed(3)  # the same draws, in the same order
    means, variances = [], []
    with torch.no_grad():
        for _ in range(7):
            z = torch.randn(16, 3, generator=rng)
            labels = torch.randint(num_classes, (16,), generator=rng) if num_classes else None
            h = G.pre_norm(z, labels)
            means.append(h.mean(0))
            variances.append(h.var(0, unbiased=True))  # BatchNorm keeps the unbiased variance
    torch.testing.assert_close(G.norm.running_mean, torch.stack(means).mean(0))
    torch.testing.assert_close(G.norm.running_var, torch.stack(variances).mean(0))


def test_the_mode_momentum_and_weights_are_left_as_they_were():
    G = _TinyGenerator().eval()
    before = {k: v for k, v in parameters_of(G).items() if k.startswith(("linear.", "embed.", "norm.weight", "norm.bias"))}
    assert standing_statistics(G, batch_size=8, batches=2) is True
    assert not G.training and G.norm.momentum == 0.8
    after = parameters_of(G)
    assert all(torch.equal(after[k], v) for k, v in before.items())
    G.train()
    standing_statistics(G, batch_size=8, batches=2)
    assert G.training


def test_a_generator_without_batch_norm_is_left_alone():
    G = nn.Sequential(nn.Linear(3, 4))
    G.latent_dim = 3
    before = parameters_of(G)
    assert standing_statistics(G, batch_size=8) is False
    assert all(torch.equal(parameters_of(G)[k], v) for k, v in before.items())
    assert batch_norms(G) == []


def test_bad_sizes_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="batch_size >= 2"):
        standing_statistics(_TinyGenerator(), batch_size=1)


def _fit(tiny_config, data, **overrides):
    config = tiny_config(model="cgan", dataset="fashion-mnist", batch_size=8, epochs=2, width=8, ema_decay=0.9,
                         **overrides)
    trainer = Trainer(config, data=data)
    trainer.fit()
    return trainer


def test_the_trainer_gives_the_ema_generator_statistics_of_its_own_weights(tiny_config, fashion_data, no_plots):
    on = _fit(tiny_config, fashion_data, standing_stats=True)
    off = _fit(tiny_config, fashion_data, name="off", standing_stats=False)
    # the training itself is unchanged: same live generator, same averaged weights
    assert all(torch.equal(parameters_of(on.G)[k], v) for k, v in parameters_of(off.G).items())
    ema_on, ema_off = parameters_of(on.ema.module), parameters_of(off.ema.module)
    weights = [k for k in ema_off if "running" not in k and "num_batches" not in k]
    assert all(torch.equal(ema_on[k], ema_off[k]) for k in weights)
    # without it the average carries the live generator's running statistics
    assert torch.equal(ema_off["project_norm.running_mean"], parameters_of(off.G)["project_norm.running_mean"])
    # with it, exactly the standing statistics of the averaged weights
    expected = _fit(tiny_config, fashion_data, name="again", standing_stats=False).ema.module
    standing_statistics(expected, batch_size=8, seed=on.config.seed + STANDING_SEED_OFFSET)
    for key in ("project_norm.running_mean", "up1.norm.running_var", "up2.norm.running_mean"):
        torch.testing.assert_close(ema_on[key], parameters_of(expected)[key])
        assert not torch.allclose(ema_on[key], ema_off[key])
    # and the checkpoint stores them
    stored = torch.load(on.checkpoint_path, map_location="cpu", weights_only=False)["ema"]["module"]
    torch.testing.assert_close(stored["up1.norm.running_var"], ema_on["up1.norm.running_var"])
