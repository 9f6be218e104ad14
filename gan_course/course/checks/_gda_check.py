"""Hidden check of ``gda_trajectory`` (assignment 02): gradient descent-ascent on x * y.

Reference: gan_course.gda.gda_trajectory (COURSE.md 02; Gidel et al. 2019,
https://arxiv.org/abs/1807.04740, section 3). Each probe calls the student's function with
fresh starting points, step sizes and step counts (zero steps included), simultaneous,
alternating and with the default; the iterates must match the reference in float64. A wrong
answer is compared with the classic mistakes (the other update order, y updated first, the
signs of descent and ascent swapped, the gradients swapped, the start left out) to say which
one it is.
"""

from __future__ import annotations

import torch

from gan_course.gda import gda_trajectory

from .base import CheckFailure, Probe, expect

NAME = "gda_trajectory"
CLOSE = {"rtol": 1e-6, "atol": 1e-7}  # float64 iterates; a start rounded through float32 (torch.tensor([x0, y0])) passes


def gda_probes(g: torch.Generator) -> list[Probe]:
    def start() -> list[float]:
        return [round(float(v), 6) for v in torch.randn(2, generator=g)]

    def lr() -> float:
        return round(0.05 + 0.4 * float(torch.rand(1, generator=g)), 6)

    probes = []
    for kwargs, steps, label in (({"alternating": False}, 17, "alternating=False"),
                                 ({}, 12, "the default (alternating not given)"),
                                 ({"alternating": True}, 23, "alternating=True"),
                                 ({"alternating": True}, 0, "alternating=True, steps=0"),
                                 ({"alternating": False}, 1, "alternating=False, steps=1")):
        probes.append(Probe("common.call", {"args": [*start(), lr(), steps], "kwargs": kwargs}, label))
    return probes


def _y_first(x0, y0, lr, steps, alternating=False):
    path = [[x0, y0]]
    x, y = x0, y0
    for _ in range(steps):
        y = y + lr * x
        x = x - lr * y
        path.append([x, y])
    return torch.tensor(path, dtype=torch.float64)


def _signs_swapped(x0, y0, lr, steps, alternating=False):
    return gda_trajectory(x0, y0, -lr, steps, alternating)


def _gradients_swapped(x0, y0, lr, steps, alternating=False):
    path = [[x0, y0]]
    x, y = x0, y0
    for _ in range(steps):
        x = x - lr * x
        y = y + lr * y
        path.append([x, y])
    return torch.tensor(path, dtype=torch.float64)


def _diagnoses(alternating: bool):
    order = ("the alternating update uses the simultaneous rule: after x moves, y's step must use the NEW x "
             "(y' = y + lr * x')." if alternating else
             "the simultaneous update uses the alternating rule: both steps must use the OLD point (compute both new "
             "values from x and y before assigning either).")
    return [
        (lambda x0, y0, lr, steps: gda_trajectory(x0, y0, lr, steps, not alternating), order),
        (_y_first, "update x first, then y with the new x; here y moves first." if alternating else None),
        (_signs_swapped, "x minimises f(x, y) = x * y, so it steps against its gradient (df/dx = y); y maximises, so it "
                         "steps along its gradient (df/dy = x). The signs are the other way round."),
        (_gradients_swapped, "the gradient of f(x, y) = x * y with respect to x is y, and with respect to y is x: each "
                             "player's step uses the OTHER variable."),
    ]


def gda_judge(probes: list[Probe], results: list[dict]) -> None:
    for probe, result in zip(probes, results):
        x0, y0, lr, steps = probe.payload["args"]
        alternating = probe.payload["kwargs"].get("alternating", False)
        label = probe.label
        described = result["value"]["result"]
        expect("tensor" in described, f"`{NAME}` must return a torch tensor of shape (steps + 1, 2), got a "
               f"{described.get('type')}. Collect the iterates, then convert them to one float64 tensor.")
        path = described["tensor"]
        if path.dim() == 2 and path.shape[1] == 2 and path.shape[0] in (steps, steps + 2):
            raise CheckFailure(f"`{NAME}` ({label}) returns {path.shape[0]} rows for steps={steps}: return steps + 1 "
                               "iterates, the start (x0, y0) first, then one row per step.")
        expect(tuple(path.shape) == (steps + 1, 2), f"`{NAME}` ({label}) returns shape {tuple(path.shape)} for "
               f"steps={steps}; expected (steps + 1, 2): one row (x, y) per iterate, the start included.")
        expect(path.dtype == torch.float64, f"`{NAME}` returns {path.dtype}; return float64 (dtype=torch.float64), so that "
               "long trajectories are not blurred by float32 rounding.")
        expect(bool(torch.isfinite(path).all()), f"`{NAME}` ({label}) returns NaN or inf.")
        expect(torch.allclose(path[0], torch.tensor([x0, y0], dtype=torch.float64), **CLOSE),
               f"`{NAME}` ({label}): the first row must be the start (x0, y0).")
        reference = gda_trajectory(x0, y0, lr, steps, alternating)
        if torch.allclose(path, reference, **CLOSE):
            continue
        for wrong, message in _diagnoses(alternating):
            if message and torch.allclose(path, wrong(x0, y0, lr, steps), **CLOSE):
                raise CheckFailure(f"`{NAME}` ({label}): {message}")
        rule = ("x' = x - lr * y, then y' = y + lr * x' with the new x" if alternating
                else "x' = x - lr * y and y' = y + lr * x, both from the old point")
        raise CheckFailure(f"`{NAME}` ({label}): the iterates do not follow gradient descent-ascent on x * y: {rule}; "
                           "row k is the point after k steps.")


__all__ = ["gda_judge", "gda_probes"]
