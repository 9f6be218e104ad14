"""Hidden check of ``make_dcgan_discriminator`` (assignment 03).

Reference: the 64x64 discriminator of gan_course.models.dcgan (Radford et al. 2015,
https://arxiv.org/abs/1511.06434, section 3: strided convolutions, BatchNorm on every layer
but the discriminator's input layer, LeakyReLU(0.2), no pooling, no fully connected hidden
layers). COURSE.md 03 fixes it: Conv2d(4, 2, 1) from channels to w, 2w, 4w, 8w, then
Conv2d(8w, 1, 4, 1, 0); LeakyReLU(0.2) after every hidden convolution, BatchNorm2d after each
hidden convolution except the first, logits (B,) with no sigmoid.

The judge reads the layers the student's forward pass called (in call order, with their
parameters) and replays the contract's network on the student's own weights in train mode
(BatchNorm with batch statistics), so any correct construction passes (nn.Sequential, a custom
forward, biases or not, a Linear head over the flattened 8w x 4 x 4 map) and each classic
mistake gets its own message.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gan_course.models.dcgan import KERNEL, PADDING, STRIDE
from gan_course.models.mlp import LEAKY_SLOPE

from .base import CheckFailure, Probe, draw_seed, expect

NAME = "make_dcgan_discriminator"
DEFAULTS = {"channels": 3, "width": 64}  # COURSE.md 03 signature
WIDTH_MULTIPLIERS = (1, 2, 4, 8)  # hidden convolutions: w, 2w, 4w, 8w feature maps
IMAGE_SIZE, FINAL_SIZE = 64, 4  # 64 -> 32 -> 16 -> 8 -> 4, then a 4x4 convolution to 1x1
NORMS = ("BatchNorm2d", "BatchNorm1d", "InstanceNorm2d", "GroupNorm", "LayerNorm", "LocalResponseNorm")


def discriminator_probes(g: torch.Generator) -> list[Probe]:
    def images(batch: int, channels: int) -> torch.Tensor:
        return torch.rand(batch, channels, IMAGE_SIZE, IMAGE_SIZE, generator=g) * 2 - 1  # (B, C, 64, 64) in [-1, 1]

    return [
        Probe("a03.dcgan_discriminator", {"kwargs": {}, "x": None, "seed": draw_seed(g)}, f"{NAME}()"),
        Probe("a03.dcgan_discriminator", {"kwargs": {"channels": 1, "width": 4}, "x": images(3, 1), "seed": draw_seed(g)},
              f"{NAME}(channels=1, width=4)"),
        Probe("a03.dcgan_discriminator", {"kwargs": {"channels": 3, "width": 6}, "x": images(2, 3), "seed": draw_seed(g)},
              f"{NAME}(channels=3, width=6)"),
    ]


def _expected_convs(args: dict) -> list[tuple[int, int, int, int, int]]:
    """(in, out, kernel, stride, padding) of the five convolutions, in order."""
    sizes = [args["channels"], *(m * args["width"] for m in WIDTH_MULTIPLIERS)]
    hidden = [(a, b, KERNEL, STRIDE, PADDING) for a, b in zip(sizes[:-1], sizes[1:])]
    return hidden + [(sizes[-1], 1, FINAL_SIZE, 1, 0)]


def _as_conv(call: dict) -> tuple[int, int, int, int, int] | None:
    """A Conv2d call as (in, out, kernel, stride, padding); a Linear head over the flattened
    (8w, 4, 4) map counts as the final 4x4 convolution (the same function)."""
    if call["type"] == "Conv2d":
        k, s, p = (call.get(key, [None])[0] if isinstance(call.get(key), list) else call.get(key)
                   for key in ("kernel_size", "stride", "padding"))
        return call["in_channels"], call["out_channels"], k, s, p
    if call["type"] == "Linear" and call["in_features"] % (FINAL_SIZE * FINAL_SIZE) == 0:
        return call["in_features"] // (FINAL_SIZE * FINAL_SIZE), call["out_features"], FINAL_SIZE, 1, 0
    return None


def _channels_message(label: str) -> str:
    return (f"`{NAME}` ({label}): the convolutions do not have the channel counts of the DCGAN discriminator. `channels` "
            "go in; `width` (ndf) is the number of feature maps of the FIRST convolution, and each next one doubles it "
            "(w, 2w, 4w, 8w); a last convolution maps the 8w maps to 1 logit. Use the arguments (and their defaults), "
            "not fixed numbers.")


def _replay(calls: list[dict], x: torch.Tensor) -> torch.Tensor:
    """The contract's network on the student's own parameters, BatchNorm with batch statistics."""
    layers = [c for c in calls if _as_conv(c) is not None]
    norms = iter([c for c in calls if c["type"] == "BatchNorm2d"])
    h = x.double()
    for i, layer in enumerate(layers):
        weight = layer["weight"].double().reshape(layer["out_features"] if layer["type"] == "Linear" else layer["out_channels"],
                                                  -1, *layer.get("kernel_size", [FINAL_SIZE, FINAL_SIZE]))
        bias = None if layer["bias"] is None else layer["bias"].double()
        last = i == len(layers) - 1
        h = F.conv2d(h, weight, bias, stride=1 if last else STRIDE, padding=0 if last else PADDING)
        if not last:
            if i > 0:
                bn = next(norms)
                h = F.batch_norm(h, None, None, None if bn["weight"] is None else bn["weight"].double(),
                                 None if bn["bias"] is None else bn["bias"].double(), training=True, eps=bn["eps"])
            h = F.leaky_relu(h, LEAKY_SLOPE)
    return h.reshape(len(x))  # (B,)


def _judge_layers(r: dict, args: dict, label: str) -> list[dict]:
    """Channels, kernels and the place of every BatchNorm; returns the calls."""
    calls = r["calls"]
    types = [c["type"] for c in calls]
    convs = [_as_conv(c) for c in calls if _as_conv(c) is not None]
    expected = _expected_convs(args)
    for bad, why in (("Sigmoid", "return logits: no Sigmoid at the end, the BCE-with-logits loss applies it (stably)"),
                     ("Tanh", "return logits: no output activation"),
                     ("MaxPool2d", "no pooling: the DCGAN discriminator downsamples with strided convolutions"),
                     ("AvgPool2d", "no pooling: the DCGAN discriminator downsamples with strided convolutions")):
        expect(bad not in types, f"`{NAME}`: {why}.")
    expect([c[:2] for c in convs] == [e[:2] for e in expected], _channels_message(label))
    expect([c[2:] for c in convs[:-1]] == [e[2:] for e in expected[:-1]], f"`{NAME}` ({label}): every hidden convolution "
           "has kernel 4, stride 2 and padding 1, so that it halves the image: 64 -> 32 -> 16 -> 8 -> 4.")
    expect(convs[-1][2:] == expected[-1][2:], f"`{NAME}` ({label}): the last convolution turns the (8w, 4, 4) map into one "
           "logit per image: kernel 4, stride 1, padding 0.")
    other_norms = sorted({t for t in types if t in NORMS and t != "BatchNorm2d"})
    expect(not other_norms, f"`{NAME}`: use BatchNorm2d (as in the DCGAN), not {', '.join(other_norms)}.")
    order = [t if t == "BatchNorm2d" else "conv" for t in types if t == "BatchNorm2d" or t in ("Conv2d", "Linear")]
    expect(order[:2] != ["conv", "BatchNorm2d"], f"`{NAME}` ({label}): no BatchNorm after the first convolution. Radford et "
           "al. leave the discriminator's input layer unnormalised (normalising it made training unstable).")
    expect(order[-1] == "conv", f"`{NAME}` ({label}): no BatchNorm after the last convolution: its output is the logit.")
    expect(order == ["conv", "conv", "BatchNorm2d", "conv", "BatchNorm2d", "conv", "BatchNorm2d", "conv"],
           f"`{NAME}` ({label}): put one BatchNorm2d after each hidden convolution except the first (three in all), "
           "over that convolution's output channels.")
    norms = [c for c in calls if c["type"] == "BatchNorm2d"]
    expect([n["num_features"] for n in norms] == [e[1] for e in expected[1:4]], f"`{NAME}` ({label}): each BatchNorm2d "
           "normalises the output channels of the convolution before it.")
    return calls


def discriminator_judge(probes: list[Probe], results: list[dict]) -> None:
    for probe, result in zip(probes, results):
        r, label = result["value"], probe.label
        args = {**DEFAULTS, **probe.payload["kwargs"]}
        expect(r["is_module"], f"`{NAME}` must return a torch.nn.Module (for example an nn.Sequential), got a {r.get('type')}.")
        if "layers" in r:  # the defaults, structure only (registration order may differ from call order)
            found = sorted((c["in_channels"], c["out_channels"]) for c in r["layers"] if c["type"] == "Conv2d")
            wanted = sorted(e[:2] for e in _expected_convs(args))
            linear = [c for c in r["layers"] if c["type"] == "Linear"]
            if linear and len(found) == len(wanted) - 1:  # a Linear head: compare the convolutions before it
                wanted = sorted(e[:2] for e in _expected_convs(args)[:-1])
            expect(found == wanted, _channels_message(label) + " (Check the defaults: channels=3, width=64.)")
            continue
        x = probe.payload["x"]
        if r["forward_error"] is not None:
            convs = [_as_conv(c) for c in r["calls"] if _as_conv(c) is not None]
            if convs and [c[:2] for c in convs] != [e[:2] for e in _expected_convs(args)[:len(convs)]]:
                raise CheckFailure(_channels_message(label))
            raise CheckFailure(f"`{NAME}` ({label}) raised on images of shape {tuple(x.shape)}: {r['forward_error']}")
        calls = _judge_layers(r, args, label)
        out = r["train_out"]
        expect(tuple(out.shape) == (len(x),), f"`{NAME}` ({label}) returns shape {tuple(out.shape)} for {len(x)} images; "
               "return one logit per image, shape (B,): flatten the (B, 1, 1, 1) output (.view(-1) or .flatten()).")
        expect(bool(torch.isfinite(out).all()), f"`{NAME}` ({label}) returns non-finite logits.")
        replayed = _replay(calls, x)
        if torch.allclose(out.double(), replayed, rtol=1e-4, atol=1e-5):
            eval_out = r["eval_out"]
            expect(tuple(eval_out.shape) == (len(x),) and torch.equal(eval_out, r["eval_again"]),
                   f"`{NAME}` is random in eval mode: no Dropout in this network.")
            continue
        types = {c["type"] for c in calls}
        slopes = [c.get("negative_slope") for c in calls if c["type"] == "LeakyReLU"]
        if torch.allclose(out.double(), torch.sigmoid(replayed), rtol=1e-4, atol=1e-6):
            raise CheckFailure(f"`{NAME}`: return logits, not probabilities: no sigmoid at the end (the loss applies it stably).")
        if types & {"ReLU", "ELU", "GELU", "SiLU"} or any(s is not None and abs(s - LEAKY_SLOPE) > 1e-12 for s in slopes):
            raise CheckFailure(f"`{NAME}`: use LeakyReLU with negative slope 0.2 (nn.LeakyReLU(0.2)) after every hidden "
                               "convolution; the default slope is 0.01, and ReLU passes no gradient for negative inputs.")
        if any(t.startswith("Dropout") for t in types):
            raise CheckFailure(f"`{NAME}`: the DCGAN discriminator has no Dropout.")
        raise CheckFailure(f"`{NAME}` ({label}): the network's outputs are not those of the DCGAN discriminator with its "
                           "own layers. After each hidden convolution comes its BatchNorm2d (none after the first), then "
                           "LeakyReLU(0.2); after the last convolution nothing but the reshape to (B,).")


__all__ = ["discriminator_judge", "discriminator_probes"]
