"""benchmarks/peer_dcgan.py's time marks: what a contender records at 2/5/10 minutes, including a
run whose recipe ends before the last mark (its final generator stands for the later marks, and the
row says when it ended instead of an infinite time)."""

import importlib.util
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "peer_dcgan.py"


def load_peer():
    spec = importlib.util.spec_from_file_location("peer_dcgan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_marks_record_each_mark_once_with_the_state_at_that_time():
    peer = load_peer()
    marks, net = peer.Marks([300, 120, 600]), torch.nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.fill_(1.0)
    marks.take(100.0, 6400, net)
    assert marks.rows == [] and not marks.done
    marks.take(130.5, 8320, net)
    with torch.no_grad():
        net.weight.fill_(2.0)  # the recorded state is a copy, not the live module
    assert marks.rows == [{"mark_s": 120, "seconds": 130.5, "images": 8320}]
    assert torch.equal(marks.states[0]["weight"], torch.ones(1, 2))
    marks.take(float("inf"), 20000, net, ended_at=250.0)  # the run ended after 250 s of training
    assert marks.done and [r["mark_s"] for r in marks.rows] == [120, 300, 600]
    assert marks.rows[1:] == [{"mark_s": m, "seconds": 250.0, "images": 20000, "ended": True} for m in (300, 600)]
    assert all(torch.equal(s["weight"], torch.full((1, 2), 2.0)) for s in marks.states[1:])
