"""Gradient descent-ascent (GDA) on the bilinear game f(x, y) = x * y (assignment 02).

x minimises f, y maximises it; the only equilibrium is (0, 0). With step size lr:

- simultaneous GDA, x' = x - lr y, y' = y + lr x, multiplies the distance from the
  equilibrium by sqrt(1 + lr^2) at every step: it spirals outwards;
- alternating GDA, x' = x - lr y, then y' = y + lr x', is area-preserving (determinant 1) and
  conserves x^2 + y^2 - lr x y exactly: for lr < 2 it orbits the equilibrium for ever.

Neither converges. The toy is the linearisation of a GAN near an equilibrium: Mescheder et al.
2017, "The Numerics of GANs", https://arxiv.org/abs/1705.10461; Gidel et al. 2019, "Negative
Momentum for Improved Game Dynamics", https://arxiv.org/abs/1807.04740 (section 3: simultaneous
updates diverge, alternating ones stay bounded on bilinear games); Bailey, Gidel & Piliouras
2020, "Finite Regret and Cycles with Fixed Step-Size via Alternating Gradient Descent-Ascent",
https://arxiv.org/abs/1907.04392 (the conserved energy).
"""

from __future__ import annotations

import torch
from torch import Tensor


def gda_trajectory(x0: float, y0: float, lr: float, steps: int, alternating: bool = False) -> Tensor:
    """The iterates of GDA on f(x, y) = x y from (x0, y0): float64 ``(steps + 1, 2)``, start included."""
    if steps < 0 or int(steps) != steps:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    path = torch.empty(int(steps) + 1, 2, dtype=torch.float64)  # (steps + 1, 2): rows (x_k, y_k)
    x, y = float(x0), float(y0)
    path[0, 0], path[0, 1] = x, y
    for k in range(1, int(steps) + 1):
        if alternating:
            x = x - lr * y  # x descends on d f / d x = y
            y = y + lr * x  # y ascends on d f / d y = x, at the new x
        else:
            x, y = x - lr * y, y + lr * x  # both gradients at the old point
        path[k, 0], path[k, 1] = x, y
    return path


def alternating_energy(path: Tensor, lr: float) -> Tensor:
    """x^2 + y^2 - lr x y of every row of ``path`` (N, 2): constant along alternating GDA."""
    x, y = path[:, 0], path[:, 1]
    return x * x + y * y - lr * x * y  # (N,)


__all__ = ["alternating_energy", "gda_trajectory"]
