"""Hidden check of assignment 04's ``critic_step``: one WGAN critic update (Arjovsky et al. 2017,
https://arxiv.org/abs/1701.07875, algorithm 1; Gulrajani et al. 2017,
https://arxiv.org/abs/1704.00028, algorithm 1).

The probes train a tiny MLP critic on 2D points with SGD (whose update reveals the gradient it
stepped on) against a tiny generator, both carrying stale gradients. The judge replays the
probe here with the library's reference (:func:`gan_course.train.critic_step.critic_step`) and
with known mistakes through the same harness function, and names the mistake whose outcome the
student's matches; the returned estimate is compared with the quantities a mistake would return.
"""

from __future__ import annotations

import torch

from gan_course.course.harness import a04
from gan_course.course.harness.common import seeded
from gan_course.losses import CLIP_VALUE, clip_weights
from gan_course.train.critic_step import critic_step as reference

from ._loss_checks import single_threaded
from .base import Check, CheckFailure, Probe, draw_seed, expect

NAME = "critic_step"
STEP_LR = 0.2  # SGD: the update is -lr * gradient, large enough to tell gradients apart
BATCH = 12
CRITIC_SHAPE = [2]
_CASES = (  # (label, penalty weight or None, how it is passed, clip value or None, how it is passed, weight scale)
    ("no penalty, no clipping", None, None, None, None, 0.6),
    ("penalty as keyword", 0.5, "kwargs", None, None, 0.6),
    ("clip_value as keyword", None, None, 0.05, "kwargs", 0.08),
    ("penalty and clip_value positional", 0.5, "args", 0.3, "args", 0.4),
)


@single_threaded
def _probes(g: torch.Generator) -> list[Probe]:
    probes = []
    for label, weight, penalty_as, clip, clip_as, scale in _CASES:
        with seeded(0):
            critic, generator = a04.build_model("mlp", CRITIC_SHAPE), a04.step_generator()
        state = {k: torch.randn(v.shape, generator=g) * scale for k, v in critic.state_dict().items()}
        g_state = {k: torch.randn(v.shape, generator=g) * 0.5 for k, v in generator.state_dict().items()}
        payload = {
            "model": "mlp", "shape": CRITIC_SHAPE, "state": state, "g_state": g_state, "lr": STEP_LR,
            "real": torch.randn(BATCH, 2, generator=g) * 2 + 1, "z": torch.randn(BATCH, a04.STEP_LATENT_DIM, generator=g),
            "c_junk": [torch.randn(p.shape, generator=g) for p in critic.parameters()],
            "g_junk": [torch.randn(p.shape, generator=g) for p in generator.parameters()],
            "penalty": weight, "penalty_as": penalty_as, "args": [], "kwargs": {}, "seed": draw_seed(g),
        }
        if clip_as == "args":
            payload["args"] = [clip]
        elif clip_as == "kwargs":
            payload["kwargs"] = {"clip_value": clip}
        probes.append(Probe("a04.critic_step", payload, label))
    return probes


def _clip_of(payload: dict) -> float | None:
    return payload["args"][0] if payload["args"] else payload["kwargs"].get("clip_value")


# --- known mistakes, replayed through the harness ----------------------------------------------


def _mistake(*, zero_grad=True, clip_first=False, use_penalty=True, use_clip=True, default_clip=False, sign=1.0,
             reduce="mean"):
    """A critic step with one configurable mistake (the arguments say which)."""

    def step(critic, generator, opt_c, real, z, penalty=None, clip_value=None):
        if zero_grad:
            opt_c.zero_grad()
        if clip_first and clip_value is not None:
            clip_weights(critic, clip_value)
        with torch.no_grad():
            fake = generator(z)
        r, f = critic(real), critic(fake)
        loss = sign * (f.mean() - r.mean()) if reduce == "mean" else f.sum() - r.sum()
        if use_penalty and penalty is not None:
            loss = loss + penalty(critic, real, fake)
        loss.backward()
        opt_c.step()
        clip = CLIP_VALUE if default_clip and clip_value is None else clip_value
        if use_clip and not clip_first and clip is not None:
            clip_weights(critic, clip)
        return (r.mean() - f.mean()).item()

    return step


_MISTAKES = (
    ("stepped on stale gradients left from before: PyTorch accumulates .grad, so clear it (opt_c.zero_grad()) "
     "before backward().", _mistake(zero_grad=False)),
    ("clipped the weights before the optimizer step. Clipping keeps the critic inside [-c, c] only if it comes "
     "after opt_c.step(): the step itself moves the weights out again.", _mistake(clip_first=True)),
    ("ignored the penalty: when a penalty function is given, add penalty(critic, real, fake) to the loss you "
     "backpropagate.", _mistake(use_penalty=False)),
    ("ignored clip_value: when it is given, clamp every critic parameter into [-clip_value, clip_value] after the "
     "step.", _mistake(use_clip=False)),
    ("clipped although clip_value is None: clip only when a clip value is given (a WGAN-GP critic is not "
     "clipped).", _mistake(default_clip=True)),
    ("stepped in the wrong direction: the critic minimises critic_loss = mean(critic(fake)) - mean(critic(real)).",
     _mistake(sign=-1.0)),
    ("average the scores over the batch (mean), do not sum them.", _mistake(reduce="sum")),
)


def _close(a: list, b: list) -> bool:
    return all(torch.allclose(x, y, rtol=1e-4, atol=1e-6) for x, y in zip(a, b))


def _networks(payload: dict, c_params: list | None = None):
    """The probe's critic (with ``c_params`` when given) and generator, rebuilt here."""
    critic = a04.load_model(payload)
    with seeded(0):
        generator = a04.step_generator(payload["z"].shape[1])
    generator.load_state_dict(payload["g_state"])
    if c_params is not None:
        with torch.no_grad():
            for p, value in zip(critic.parameters(), c_params):
                p.copy_(value)
    return critic, generator


def _estimate(payload: dict, c_params: list | None = None) -> tuple[float, float]:
    """(mean critic(real) - mean critic(G(z)), the penalty's value) for the probe's networks."""
    critic, generator = _networks(payload, c_params)
    with torch.no_grad():
        fake = generator(payload["z"])
        estimate = float(critic(payload["real"]).mean() - critic(fake).mean())
        penalty = 0.0 if payload["penalty"] is None else float(a04.MidpointPenalty(payload["penalty"])(critic, payload["real"], fake))
    return estimate, penalty


def _judge_probe(probe: Probe, result: dict) -> None:
    payload, r, label = probe.payload, result["value"], probe.label
    described = r["result"]
    expect("python" in described and isinstance(described["python"], float),
           f"`{NAME}` ({label}) must return the estimate as a Python float (got a {described.get('type', 'tensor')}): "
           "use .item() on the 0-dim tensor.")
    expect(torch.equal(r["real_after"], payload["real"]) and torch.equal(r["z_after"], payload["z"]),
           f"`{NAME}` ({label}) modified its input batches in place.")
    _, generator = _networks(payload)
    expect(all(torch.equal(a, b.detach()) for a, b in zip(r["g_params"], generator.parameters())),
           f"`{NAME}` ({label}) changed the generator's parameters: only opt_c steps, and only the critic learns here.")
    expect(all(g is not None and torch.equal(g, j) for g, j in zip(r["g_grads"], payload["g_junk"])),
           f"`{NAME}` ({label}) changed the generator's gradients: no gradient may reach G in a critic step. Make the "
           "fake batch under torch.no_grad() (or detach it), and leave G's .grad alone.")
    expect(all(r["g_requires_grad"]) and all(r["c_requires_grad"]),
           f"`{NAME}` ({label}) left parameters with requires_grad=False: if you freeze a network, unfreeze it again.")
    if payload["penalty"] is not None:
        calls = r["penalty_calls"]
        expect(calls, f"`{NAME}` ({label}) ignored the penalty: when a penalty function is given, add "
               "penalty(critic, real, fake) to the loss you backpropagate.")
        expect(len(calls) == 1, f"`{NAME}` ({label}) called the penalty {len(calls)} times: call it once per step, as "
               "penalty(critic, real, fake).")
        with torch.no_grad():
            fake = generator(payload["z"])
        if torch.allclose(calls[0]["real"], fake, atol=1e-6) and torch.allclose(calls[0]["fake"], payload["real"], atol=1e-6):
            raise CheckFailure(f"`{NAME}` ({label}) swapped real and fake in the penalty: call penalty(critic, real, fake).")
        expect(torch.allclose(calls[0]["real"], payload["real"]) and torch.allclose(calls[0]["fake"], fake, atol=1e-6),
               f"`{NAME}` ({label}) called the penalty with other batches than the real batch and the fake batch "
               "G(z) of this step: call penalty(critic, real, fake).")
    expected = a04.critic_step(reference, payload)
    if not _close(r["c_params"], expected["c_params"]):
        critic, _ = _networks(payload)
        expect(not _close(r["c_params"], [p.detach() for p in critic.parameters()]),
               f"`{NAME}` ({label}) did not update the critic: zero_grad(), the loss, backward(), opt_c.step().")
        for message, mistake in _MISTAKES:
            if _close(r["c_params"], a04.critic_step(mistake, payload)["c_params"]):
                raise CheckFailure(f"`{NAME}` ({label}) {message}")
        raise CheckFailure(f"`{NAME}` ({label}) did not take one optimizer step on critic_loss(critic(real), "
                           "critic(fake)) (plus the penalty when given), followed by clipping when clip_value is given.")
    value = described["python"]
    estimate, penalty = _estimate(payload)
    if abs(value - estimate) <= 1e-4 * max(1.0, abs(estimate)):
        return
    after, _ = _estimate(payload, r["c_params"])
    diagnoses = [
        (-estimate, "returned the critic's loss; return the Wasserstein estimate mean(critic(real)) - mean(critic(fake)), "
                    "which is minus the loss without the penalty."),
        (estimate - penalty, "included the penalty in the returned estimate: the penalty is a regulariser, not part of "
                             "the distance. Return mean(critic(real)) - mean(critic(fake)) alone."),
        (penalty - estimate, "returned the loss with the penalty; return mean(critic(real)) - mean(critic(fake)) alone."),
        (after, "measured the estimate after the step (on the updated critic); compute it from the scores the loss "
                "used, before opt_c.step()."),
    ]
    for wrong, message in diagnoses:
        if abs(value - wrong) <= 1e-4 * max(1.0, abs(wrong)):
            raise CheckFailure(f"`{NAME}` ({label}) {message}")
    raise CheckFailure(f"`{NAME}` ({label}) returned a number that is not mean(critic(real)) - mean(critic(fake)) on "
                       "this step's batches, measured before the step.")


@single_threaded
def _judge(probes: list[Probe], results: list[dict]) -> None:
    for probe, result in zip(probes, results):
        _judge_probe(probe, result)


def critic_step_check(assignment: str) -> Check:
    return Check(assignment, NAME, _probes, _judge, timeout=20.0,
                 description="one WGAN critic step: clear, step on critic_loss (+ penalty), clip after; the estimate before")


__all__ = ["critic_step_check"]
