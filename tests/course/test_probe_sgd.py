"""Does the step probes' optimizer (:class:`gan_course.course.harness.common.ProbeSGD`) behave
as ``torch.optim.SGD(params, lr)`` for a training step, without importing torch._dynamo?"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from gan_course.course.harness.common import ProbeSGD


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(0.2), nn.Linear(5, 1))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_a_step_matches_torch_sgd_exactly(set_to_none):
    ours, theirs = _net(), _net()
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1))
    opt_ours, opt_theirs = ProbeSGD(ours.parameters(), lr=0.3), torch.optim.SGD(theirs.parameters(), lr=0.3)
    for _ in range(3):
        for net, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad(set_to_none=set_to_none)
            net(x).pow(2).mean().backward()
            opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(a, b)
        assert torch.equal(a.grad, b.grad)


def test_zero_grad_clears_like_torch_and_it_is_an_sgd():
    net = _net()
    opt = ProbeSGD(net.parameters(), lr=0.1)
    assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]["lr"] == 0.1
    net(torch.ones(2, 3)).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in net.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    with pytest.raises(ValueError, match="empty parameter list"):
        ProbeSGD([], lr=0.1)


def test_stepping_it_does_not_import_dynamo():
    """torch.optim's first use imports torch._dynamo (seconds); the probes must not pay that."""
    code = ("import sys, torch\nfrom gan_course.course.harness.common import ProbeSGD\n"
            "p = torch.nn.Parameter(torch.ones(2)); o = ProbeSGD([p], lr=1.0)\n"
            "p.sum().backward(); o.step(); o.zero_grad()\nprint('torch._dynamo' in sys.modules, p.tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(None, 1)
    assert out == ["False", "[0.0, 0.0]\n"]
