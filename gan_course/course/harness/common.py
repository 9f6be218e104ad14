"""Generic harness functions shared by every assignment."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Any, Callable, Iterator

import torch


def _describe(value: Any) -> Any:
    """A tensor's value plus the metadata checks look at (dtype, device, grad)."""
    if isinstance(value, torch.Tensor):
        return {
            "tensor": value.detach(),
            "dtype": str(value.dtype),
            "device": str(value.device),
            "requires_grad": bool(value.requires_grad),
            "shape": list(value.shape),
        }
    return {"python": value, "type": type(value).__name__}


def call(fn: Callable[..., Any], payload: dict) -> dict:
    """``fn(*args, **kwargs)``; with ``payload["grad_of"]`` (indices of tensor args), also the
    gradients of the (scalar) result with respect to those arguments.

    payload: {"args": list, "kwargs": dict, "grad_of": list[int] (optional)}.
    Returns {"result": described value, "grads": list of tensors or None per index,
    "args_after": the tensor arguments after the call (to catch in-place edits)}.
    """
    args = [a.clone() if isinstance(a, torch.Tensor) else a for a in payload.get("args", [])]
    kwargs = dict(payload.get("kwargs", {}))
    grad_of = list(payload.get("grad_of", []))
    for index in grad_of:
        args[index] = args[index].detach().requires_grad_(True)
    result = fn(*args, **kwargs)
    grads: list[Any] = []
    if grad_of:
        if isinstance(result, torch.Tensor) and result.requires_grad and result.numel() == 1:
            computed = torch.autograd.grad(result.sum(), [args[i] for i in grad_of], allow_unused=True)
            grads = [None if g is None else g.detach() for g in computed]
        else:
            grads = [None for _ in grad_of]
    return {
        "result": _describe(result),
        "grads": grads,
        "args_after": [a.detach() if isinstance(a, torch.Tensor) else None for a in args],
    }


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run a block with the global torch RNG seeded and one intra-op thread, then restore the
    caller's RNG state and thread count. Probes are tiny: on a busy machine two threads make
    each small op tens of times slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)


class ProbeSGD(torch.optim.SGD):
    """Plain SGD, ``p <- p - lr * p.grad``: the optimizer a step probe hands to student code.

    It is a ``torch.optim.SGD`` with the same update (no momentum, no weight decay) and the
    same ``zero_grad``, ``step`` and ``param_groups``, minus torch.optim's torch.compile hooks:
    the first ``torch.optim.SGD`` built or stepped in a process imports ``torch._dynamo``,
    2-4 s on a busy machine -- longer than every other probe of a notebook together.
    """

    def __init__(self, params, lr: float):  # noqa: D107 - deliberately skips Optimizer.__init__ (its hooks import dynamo)
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        self.defaults = {"lr": lr, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
                         "maximize": False, "foreach": None, "differentiable": False, "fused": None}
        self.state = defaultdict(dict)
        self.param_groups = [{"params": params, **self.defaults}]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
        return loss
