"""Implementations of ``gda_trajectory`` (assignment 02) for the tests of its hidden check:
``CORRECT`` (the first is the one the solution notebook uses) and ``WRONG`` (mistake, code[, words
its failure message must contain]); part of :mod:`.a02_ring_gan`'s catalogue."""

from __future__ import annotations

import numpy as np
import torch


def gda_trajectory(x0, y0, lr, steps, alternating=False):
    """Gradient descent-ascent on f(x, y) = x * y: the (steps + 1, 2) float64 iterates, start included."""
    x, y = float(x0), float(y0)
    path = [(x, y)]
    for _ in range(steps):
        if alternating:
            x = x - lr * y  # x descends on df/dx = y
            y = y + lr * x  # y ascends on df/dy = x, at the new x
        else:
            x, y = x - lr * y, y + lr * x  # both from the old point
        path.append((x, y))
    return torch.tensor(path, dtype=torch.float64)


def _gda_matrix(x0, y0, lr, steps, alternating=False):
    """Linear algebra: every step multiplies (x, y) by the same 2x2 matrix."""
    a = torch.tensor([[1.0, -lr], [lr, 1.0 - lr * lr]] if alternating else [[1.0, -lr], [lr, 1.0]], dtype=torch.float64)
    points = [torch.tensor([x0, y0], dtype=torch.float64)]
    for _ in range(steps):
        points.append(a @ points[-1])
    return torch.stack(points)


def _gda_preallocated(x0, y0, lr, steps, alternating=False):
    path = torch.zeros(steps + 1, 2, dtype=torch.float64)
    path[0] = torch.tensor([x0, y0])  # rounded through float32: still right to float32 precision
    for k in range(steps):
        x, y = path[k]
        new_x = x - lr * y
        path[k + 1, 0] = new_x
        path[k + 1, 1] = y + lr * (new_x if alternating else x)
    return path


def _gda_numpy(x0, y0, lr, steps, alternating=False):
    path = np.empty((steps + 1, 2))
    path[0] = x0, y0
    for k in range(steps):
        x, y = path[k]
        x_next = x - lr * y
        path[k + 1] = x_next, y + lr * (x_next if alternating else x)
    return torch.from_numpy(path)


def _variant(*, order="right", sign=1.0, start=True, extra=0, dtype=torch.float64, swap_grads=False, y_first=False,
             out="tensor"):
    """gda_trajectory with one mistake."""

    def wrong(x0, y0, lr, steps, alternating=False):
        alt = {"right": alternating, "swapped": not alternating, "always_alt": True, "always_sim": False}[order]
        x, y = float(x0), float(y0)
        path = [(x, y)]
        for _ in range(steps + extra):
            if swap_grads:
                x, y = x - lr * x, y + lr * y
            elif y_first and alt:
                y = y + sign * lr * x
                x = x - sign * lr * y
            elif alt:
                x = x - sign * lr * y
                y = y + sign * lr * x
            else:
                x, y = x - sign * lr * y, y + sign * lr * x
            path.append((x, y))
        if not start:
            path = path[1:]
        if out == "list":
            return path
        if out == "numpy":
            return np.array(path)
        return torch.tensor(path, dtype=dtype)

    return wrong


CORRECT = [gda_trajectory, _gda_matrix, _gda_preallocated, _gda_numpy]
WRONG = [
    ("the two update rules swapped", _variant(order="swapped")),
    ("simultaneous update used for the alternating one", _variant(order="always_sim"), "y' = y + lr * x'"),
    ("alternating update used for both", _variant(order="always_alt"), "OLD point"),
    ("alternating with y updated first", _variant(y_first=True), "update x first"),
    ("wrong sign: x ascends, y descends", _variant(sign=-1.0), "signs are the other way round"),
    ("each player steps on its own variable", _variant(swap_grads=True), "uses the OTHER variable"),
    ("off by one: the start left out", _variant(start=False), "the start (x0, y0) first"),
    ("off by one: one step too many", _variant(extra=1), "return steps + 1"),
    ("float32 iterates", _variant(dtype=torch.float32), "float64"),
    ("a list returned", _variant(out="list"), "torch tensor"),
]
