"""Does `gan-course monitor` start a real TensorBoard on 127.0.0.1 that shows every run side by side,
and refuse what is not a run with one clear line?"""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest
import yaml

from gan_course.cli import main
from gan_course.errors import CheckpointError, ConfigError
from gan_course.train.monitor import free_port, plan_monitor, start_monitor, stop_monitor


def _fake_run(parent, name: str, *, tensorboard: bool = True, finished: bool = True):
    """A run directory as the trainer leaves it: config.yaml, history.json and (maybe) event files."""
    run = parent / name
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(yaml.safe_dump({"name": name, "tensorboard": tensorboard}))
    if finished:
        (run / "history.json").write_text("{}")
    if tensorboard:
        from torch.utils.tensorboard import SummaryWriter

        with SummaryWriter(str(run / "tensorboard")) as writer:
            writer.add_scalar("train/d_loss", 0.5, 1)
    return run


def test_runs_are_named_after_their_directories_and_made_unique(tmp_path):
    a = _fake_run(tmp_path / "week1", "cgan-fashion-bce")
    b = _fake_run(tmp_path / "week2", "cgan-fashion-bce")
    c = _fake_run(tmp_path / "week2", "ring:v2")  # ':' means something in --logdir_spec
    plan = plan_monitor([a, b, c, a], port=6010)
    assert list(plan.runs) == ["cgan-fashion-bce", "week2/cgan-fashion-bce", "ring_v2"]  # a twice -> once
    assert plan.logdir_spec == (f"cgan-fashion-bce:{a}/tensorboard,week2/cgan-fashion-bce:{b}/tensorboard,"
                                f"ring_v2:{c}/tensorboard")
    command = plan.command
    assert command[command.index("--host") + 1] == "127.0.0.1" and command[command.index("--port") + 1] == "6010"
    assert plan.url == "http://127.0.0.1:6010/"


def test_a_run_name_is_looked_up_under_the_runs_directory(isolated_home):
    run = _fake_run(isolated_home / "runs", "ring")
    assert plan_monitor(["ring"]).runs == {"ring": run / "tensorboard"}


@pytest.mark.parametrize("case, message", [
    ("missing", "no such directory"),
    ("not_a_run", "no config.yaml"),
    ("no_tensorboard", "--no-tensorboard"),
    ("old_run", "no TensorBoard logs"),
])
def test_what_is_not_a_monitorable_run_is_refused_in_one_line(tmp_path, capsys, case, message):
    if case == "not_a_run":
        (tmp_path / case).mkdir()
    elif case == "no_tensorboard":
        _fake_run(tmp_path, case, tensorboard=False)
    elif case == "old_run":
        _fake_run(tmp_path, case, tensorboard=False).joinpath("config.yaml").write_text("name: old\n")
    with pytest.raises(CheckpointError, match=message):
        plan_monitor([tmp_path / case])
    assert main(["monitor", str(tmp_path / case), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_run_that_just_started_is_accepted_before_its_first_event(tmp_path):
    run = _fake_run(tmp_path, "starting", tensorboard=False, finished=False)
    (run / "config.yaml").write_text("name: starting\ntensorboard: true\n")
    assert plan_monitor([run]).runs == {"starting": run.resolve() / "tensorboard"}


def test_dry_run_prints_the_command_and_the_url(tmp_path, capsys):
    run = _fake_run(tmp_path, "ring")
    assert main(["monitor", str(run), "--port", "6123", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"ring:{run}/tensorboard" in out and "http://127.0.0.1:6123/" in out and "--host 127.0.0.1" in out


def test_tensorboard_serves_both_runs_side_by_side_then_stops(tmp_path):
    runs = [_fake_run(tmp_path, "bce"), _fake_run(tmp_path, "hinge")]
    plan = plan_monitor(runs, port=free_port())
    process = start_monitor(plan)
    try:
        with urllib.request.urlopen(plan.url, timeout=10) as response:
            assert response.status == 200 and b"TensorBoard" in response.read()
        with urllib.request.urlopen(plan.url + "data/runs", timeout=10) as response:
            names = json.loads(response.read())
        assert sorted(name.split("/")[0] for name in names) == ["bce", "hinge"]
        with pytest.raises(ConfigError, match="already in use"):  # the port is taken now
            start_monitor(plan)
    finally:
        stop_monitor(process)
    assert process.poll() is not None
    with socket.socket() as probe:  # nothing listens any more
        assert probe.connect_ex(("127.0.0.1", plan.port)) != 0
