"""Exponential moving average (EMA) of the generator's weights.

Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training",
https://arxiv.org/abs/1806.04498: sampling from a running average of the generator's
parameters damps the oscillations of adversarial training and usually improves samples.

After every generator step: ``ema = decay_t * ema + (1 - decay_t) * theta`` for each parameter,
as one multi-tensor ``torch._foreach_lerp_`` call over all of them (not one kernel launch per
tensor); buffers (BatchNorm running statistics) are copied as they are
(``TrainConfig.standing_stats`` recomputes them for the averaged weights before each evaluation:
:mod:`gan_course.train.standing_stats`). With ``warmup`` the decay ramps up as in TensorFlow's
``tf.train.ExponentialMovingAverage(num_updates=...)``:
``decay_t = min(decay, (1 + t) / (warmup + t))`` after ``t`` earlier updates, so the average
forgets the untrained initial weights quickly instead of carrying them for ~1 / (1 - decay)
steps (at decay 0.999 the initialisation still weighs 7 % after 2,600 updates without it). The averaged copy
(:attr:`EMA.module`) is used for samples, metrics and ``load_generator`` when enabled.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

EMA_DECAY = 0.999  # Yazici et al. 2019 (section 4: beta = 0.999)
EMA_WARMUP = 10  # TensorFlow's ExponentialMovingAverage ramp: decay_t = min(decay, (1 + t) / (10 + t))


class EMA:
    """An averaged copy of ``model``: ``EMA(G, decay=0.999)``, then ``ema.update(G)`` after
    each optimiser step; ``ema.module`` is an ``nn.Module`` to sample from.

    The copy starts equal to ``model``, is kept in eval mode and never receives gradients.
    """

    def __init__(self, model: nn.Module, decay: float = EMA_DECAY, *, warmup: int | None = None):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}")
        if warmup is not None and warmup < 1:
            raise ValueError(f"EMA warmup must be a positive number of updates, got {warmup}; use None for no ramp")
        self.decay = float(decay)
        self.warmup = warmup
        self.module = copy.deepcopy(model).eval()
        self.module.requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One averaging step towards ``model``'s current parameters; buffers are copied."""
        decay = self.current_decay()
        ema_params, params = list(self.module.parameters()), list(model.parameters())
        if len(ema_params) != len(params):
            raise ValueError(f"EMA.update: the model has {len(params)} parameter tensors, the average "
                             f"{len(ema_params)}; update with the model the EMA was made from")
        if params:  # one multi-tensor call for all parameters: ema += (1 - decay) * (param - ema)
            torch._foreach_lerp_(ema_params, params, 1.0 - decay)
        ema_buffers, buffers = list(self.module.buffers()), list(model.buffers())
        if buffers:
            torch._foreach_copy_(ema_buffers, buffers)
        self.updates += 1

    def current_decay(self) -> float:
        """The decay of the next update: ``decay``, or the warm-up ramp's smaller value early on."""
        if self.warmup is None:
            return self.decay
        return min(self.decay, (1.0 + self.updates) / (self.warmup + self.updates))

    def state_dict(self) -> dict:
        """The averaged weights and bookkeeping, for checkpoints."""
        return {"decay": self.decay, "updates": self.updates, "module": self.module.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.decay = float(state["decay"])
        self.updates = int(state["updates"])
        self.module.load_state_dict(state["module"])
