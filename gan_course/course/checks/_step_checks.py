"""Hidden checks of assignment 02's two training steps, ``discriminator_step`` and ``generator_step``
(Goodfellow et al. 2014, algorithm 1, with the non-saturating generator loss and one-sided label
smoothing of Salimans et al. 2016 on the real targets).

Each step runs on a small dropout-free G and D (:func:`gan_course.course.harness.a02.step_networks`)
with weights the grader sets, under SGD with a large learning rate: the parameters after the one
step give the gradient the student stepped on, which is compared with the reference loss's
gradient and with the gradients of the classic mistakes (stale gradients, a summed loss, the
minimax loss, smoothing on the wrong targets, swapped targets), each named in its own message.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gan_course.course.harness.a02 import STEP_LATENT_DIM, step_networks
from gan_course.losses import SMOOTHED_REAL_LABEL, d_bce, g_bce, g_minimax

from .base import CheckFailure, Probe, close, draw_seed, expect, python_float

STEP_LR = 0.5  # SGD learning rate of the step probes (large: the update reveals the gradient precisely)
STEP_BATCH = 12
STEP_TIMEOUT = 30.0  # s: the first torch.optim use in a fresh sandbox imports for about 3 s (6 s on a loaded machine)


def _step_payload(g: torch.Generator, junk_on: str, **extra) -> dict:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(draw_seed(g))
        generator, discriminator = step_networks(STEP_LATENT_DIM)
    junk_model = discriminator if junk_on == "d" else generator
    return {
        "g_state": generator.state_dict(), "d_state": discriminator.state_dict(), "lr": STEP_LR,
        "z": torch.randn(STEP_BATCH, STEP_LATENT_DIM, generator=g), "seed": draw_seed(g),
        f"{junk_on}_junk": [torch.randn(p.shape, generator=g) for p in junk_model.parameters()],
        **extra,
    }


def discriminator_step_probes(g: torch.Generator) -> list[Probe]:
    return [
        Probe("a02.discriminator_step", _step_payload(g, "d", real=torch.randn(STEP_BATCH, 2, generator=g) * 4, kwargs={}), "default real_label"),
        Probe("a02.discriminator_step", _step_payload(g, "d", real=torch.randn(STEP_BATCH, 2, generator=g) * 4, kwargs={"real_label": 1.0}), "real_label=1.0"),
    ]


def generator_step_probes(g: torch.Generator) -> list[Probe]:
    return [Probe("a02.generator_step", _step_payload(g, "g"), "stale gradients on G")]


def _probe_networks(payload: dict):
    """The probe's G and D in their initial state (building modules draws from the global RNG: fork it)."""
    with torch.random.fork_rng(devices=[]):
        generator, discriminator = step_networks(payload["z"].shape[1])
    generator.load_state_dict(payload["g_state"])
    discriminator.load_state_dict(payload["d_state"])
    return generator, discriminator


def _loss_and_grads(payload: dict, which: str, loss_fn) -> tuple[float, list[torch.Tensor]]:
    """A reference loss on the probe's networks and its gradients for D (``which="d"``) or G."""
    generator, discriminator = _probe_networks(payload)
    loss = loss_fn(generator, discriminator)
    params = list((discriminator if which == "d" else generator).parameters())
    return float(loss.detach()), [g.detach() for g in torch.autograd.grad(loss, params)]


def _grads_close(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(close(x, y, rtol=1e-3, atol=1e-5) for x, y in zip(a, b))


def _judge_update(name: str, label: str, payload: dict, r: dict, which: str, candidates: list) -> float:
    """The gradient stepped on must be the first candidate's (the reference); the others name mistakes.

    candidates: (description or message, loss_fn(G, D)) pairs. Returns the reference loss.
    """
    before = _probe_networks(payload)[1 if which == "d" else 0].parameters()
    stepped = [(b.detach() - a) / payload["lr"] for b, a in zip(before, r[f"{which}_params"])]  # SGD: -lr * grad
    expect(any(bool(s.abs().max() > 0) for s in stepped), f"`{name}` ({label}) did not update the parameters: after "
           "zero_grad(), call loss.backward() and then the optimizer's step().")
    ref_loss, reference = _loss_and_grads(payload, which, candidates[0][1])
    if _grads_close(stepped, reference):
        return ref_loss
    junk = payload.get(f"{which}_junk")
    if junk is not None and _grads_close(stepped, [g + j for g, j in zip(reference, junk)]):
        raise CheckFailure(f"`{name}` stepped on stale gradients left from before: PyTorch accumulates .grad, so clear "
                           "it (optimizer.zero_grad()) before loss.backward().")
    if _grads_close(stepped, [g * payload["z"].shape[0] for g in reference]):
        raise CheckFailure(f"`{name}` ({label}): average the loss over the batch (mean), do not sum it.")
    for message, loss_fn in candidates[1:]:
        if _grads_close(stepped, _loss_and_grads(payload, which, loss_fn)[1]):
            raise CheckFailure(f"`{name}` ({label}): {message}")
    raise CheckFailure(f"`{name}` ({label}) did not take exactly one optimizer step on {candidates[0][0]}: zero_grad(), "
                       "compute the loss, backward(), step() -- once.")


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def _d_loss(payload: dict, real_label: float, fake_label: float = 0.0, *, swap: bool = False):
    """discriminator_loss on the probe (the reference with fake_label=0); swap and fake_label make mistakes."""
    def loss(generator, discriminator):
        real_logits, fake_logits = discriminator(payload["real"]), discriminator(generator(payload["z"]).detach())
        if swap:
            real_logits, fake_logits = fake_logits, real_logits
        return d_bce(real_logits, fake_logits, real_label) if fake_label == 0 else _bce(real_logits, real_label) + _bce(fake_logits, fake_label)
    return loss


def discriminator_step_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "discriminator_step"
    for probe, result in zip(probes, results):
        payload, r, label = probe.payload, result["value"], probe.label
        value = python_float(result, name, "the discriminator loss")
        expect(torch.equal(r["real_after"], payload["real"]) and torch.equal(r["z_after"], payload["z"]),
               f"`{name}` modified its input batches in place.")
        generator, _ = _probe_networks(payload)
        expect(all(torch.equal(a, b.detach()) for a, b in zip(r["g_params"], generator.parameters())),
               f"`{name}` changed G's parameters: only opt_d steps here.")
        expect(all(g is None or not bool(g.any()) for g in r["g_grads"]), f"`{name}` sent gradients into G. The "
               "discriminator step must not backpropagate into the generator: detach the fake batch (G(z).detach()) "
               "or compute it under torch.no_grad().")
        explicit = "real_label" in payload["kwargs"]
        real_label = payload["kwargs"].get("real_label", SMOOTHED_REAL_LABEL)
        candidates = [
            ("discriminator_loss(D(real), D(G(z)), real_label)", _d_loss(payload, real_label)),
            ("the real_label argument is ignored: pass it on to the loss." if explicit else "with no real_label "
             "argument, keep the default from the given signature (one-sided label smoothing).",
             _d_loss(payload, SMOOTHED_REAL_LABEL if explicit else 1.0)),
            ("one-sided label smoothing changes only the real targets; the fake targets stay 0.",
             _d_loss(payload, real_label, 1.0 - real_label)),
            ("the targets are swapped: D(real) goes with real_label, D(G(z)) with 0.", _d_loss(payload, real_label, swap=True)),
        ]
        ref_loss = _judge_update(name, label, payload, r, "d", candidates)
        expect(close(value, ref_loss, rtol=1e-4, atol=1e-5), f"`{name}` returned a number that is not the loss it "
               "stepped on: return loss.item() of the loss computed before opt_d.step().")
        expect(all(r["d_requires_grad"]), f"`{name}` left some of D's parameters with requires_grad=False.")


def generator_step_judge(probes: list[Probe], results: list[dict]) -> None:
    name = "generator_step"
    for probe, result in zip(probes, results):
        payload, r = probe.payload, result["value"]
        value = python_float(result, name, "the generator loss")
        _, discriminator = _probe_networks(payload)
        expect(all(torch.equal(a, b.detach()) for a, b in zip(r["d_params"], discriminator.parameters())),
               f"`{name}` changed D's parameters: in the generator step only opt_g steps.")
        expect(all(r["d_requires_grad"]), f"`{name}` left D's parameters with requires_grad=False: if you freeze D during "
               "the generator step, unfreeze it afterwards, or the next discriminator step cannot train it.")

        def loss_of(fn):
            return lambda generator, discriminator: fn(discriminator(generator(payload["z"])))

        ref_loss = _judge_update(name, probe.label, payload, r, "g", [
            ("generator_loss(D(G(z)))", loss_of(g_bce)),
            ("this is the saturating minimax loss; the step uses 01's non-saturating generator_loss.", loss_of(g_minimax)),
            ("no label smoothing for the generator: its target is 1.", loss_of(lambda x: _bce(x, SMOOTHED_REAL_LABEL))),
        ])
        expect(close(value, ref_loss, rtol=1e-4, atol=1e-5), f"`{name}` returned a number that is not the loss it "
               "stepped on: return loss.item() of the loss computed before opt_g.step().")
        expect(torch.equal(r["z_after"], payload["z"]), f"`{name}` modified z in place.")
