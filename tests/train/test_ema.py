"""Does the EMA of the generator follow ema = decay * ema + (1 - decay) * theta exactly?"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_course.train import EMA


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor([1.0, -2.0]))
        self.register_buffer("count", torch.tensor([0.0]))


def test_ema_starts_as_a_copy_and_averages_in_closed_form():
    model, decay = Toy(), 0.9
    ema = EMA(model, decay)
    assert torch.equal(ema.module.weight, model.weight) and ema.module.weight is not model.weight
    expected = model.weight.detach().clone()
    targets = [torch.tensor([3.0, 0.0]), torch.tensor([-1.0, 4.0]), torch.tensor([0.5, 0.5])]
    for target in targets:
        with torch.no_grad():
            model.weight.copy_(target)
            model.count += 1
        ema.update(model)
        expected = decay * expected + (1 - decay) * target
    assert torch.allclose(ema.module.weight, expected, atol=1e-6)
    assert ema.module.count.item() == 3.0  # buffers are copied, not averaged


def test_ema_for_a_constant_model_converges_geometrically():
    """After n updates towards a fixed theta, the gap shrinks to decay ** n of the start."""
    model, decay, n = Toy(), 0.5, 6
    ema = EMA(model, decay)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([5.0, 5.0]))
    for _ in range(n):
        ema.update(model)
    gap = torch.tensor([5.0, 5.0]) - ema.module.weight
    assert torch.allclose(gap, torch.tensor([4.0, 7.0]) * decay**n)


def test_ema_copy_gets_no_gradients_and_stays_in_eval_mode():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    ema = EMA(model, 0.99)
    assert not ema.module.training
    assert all(not p.requires_grad for p in ema.module.parameters())


def test_ema_state_dict_round_trip():
    model = Toy()
    ema = EMA(model, 0.8)
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update(model)
    other = EMA(Toy(), 0.1)
    other.load_state_dict(ema.state_dict())
    assert other.decay == 0.8 and other.updates == 1
    assert torch.equal(other.module.weight, ema.module.weight)


def test_invalid_decay_is_refused():
    with pytest.raises(ValueError, match="decay"):
        EMA(Toy(), 1.0)


def test_ema_warmup_follows_the_ramp_then_the_decay():
    """decay_t = min(decay, (1 + t) / (warmup + t)): 0.1, 2/11, 3/12, ... until it reaches decay."""
    model, decay, warmup = Toy(), 0.5, 10
    ema = EMA(model, decay, warmup=warmup)
    expected = model.weight.detach().clone()
    for t, target in enumerate([torch.tensor([3.0, 0.0]), torch.tensor([-1.0, 4.0])] * 10):
        assert ema.current_decay() == pytest.approx(min(decay, (1 + t) / (warmup + t)))
        with torch.no_grad():
            model.weight.copy_(target)
        ema.update(model)
        d = min(decay, (1 + t) / (warmup + t))
        expected = d * expected + (1 - d) * target
    assert ema.current_decay() == decay  # (1 + 20) / 30 > 0.5
    assert torch.allclose(ema.module.weight, expected, atol=1e-6)


def test_ema_warmup_must_be_positive():
    with pytest.raises(ValueError, match="warmup"):
        EMA(Toy(), 0.9, warmup=0)


def test_one_multi_tensor_update_matches_the_per_parameter_formula_and_copies_every_buffer():
    """Conv and BatchNorm: float weights of several shapes, channels-last ones, and an int64 buffer."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).to(memory_format=torch.channels_last)
    decay = 0.75
    ema = EMA(model, decay)
    expected = {name: p.detach().clone() for name, p in model.named_parameters()}
    for _ in range(3):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        model(torch.randn(2, 3, 5, 5))  # training mode: running statistics and num_batches_tracked change
        ema.update(model)
        for name, p in model.named_parameters():
            expected[name] = decay * expected[name] + (1 - decay) * p.detach()
    for name, p in ema.module.named_parameters():
        assert torch.allclose(p, expected[name], atol=1e-6), name
    for (name, buffer), copied in zip(model.named_buffers(), ema.module.buffers()):
        assert torch.equal(copied, buffer), name
    assert ema.module[1].num_batches_tracked.item() == 3 and ema.updates == 3
    assert ema.module[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_updating_from_a_model_of_another_shape_is_refused():
    ema = EMA(Toy(), 0.9)
    with pytest.raises(ValueError, match="parameter tensors"):
        ema.update(nn.Linear(2, 2))
