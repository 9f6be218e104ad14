"""run.json: what was run, on what, for how long."""

from __future__ import annotations

import json

import pytest
import torch

import gan_course
from gan_course.errors import ResultError
from gan_course.reports import RUN_RECORD, hardware, read_run_record, run_record, write_run_record
from gan_course.reports import provenance


def test_cpu_model_is_read_from_cpuinfo(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: X\nmodel name\t: Test CPU 3000 @ 1.0GHz\n")
    monkeypatch.setattr(provenance, "CPUINFO", info)
    assert provenance.cpu_model() == "Test CPU 3000 @ 1.0GHz"


def test_hardware_reports_what_the_runs_were_told_to_use():
    info = hardware(torch_threads=1, device="cpu")
    assert info["torch_threads"] == 1 and info["device"] == "cpu"
    assert isinstance(info["cpu_cores"], int) and info["cpu_cores"] >= 1
    assert info["cpu_model"]


def test_run_record_round_trips_with_versions_and_commands(tmp_path):
    record = run_record(name="ring", commands=[{"argv": ["gan-course", "train", 3], "wall_time_s": 2.5}], seed=0,
                        wall_time_s=3.0, hardware_info={"cpu_model": "c", "cpu_cores": 2}, quick=True)
    path = write_run_record(tmp_path, record)
    assert path == tmp_path / RUN_RECORD
    back = read_run_record(tmp_path)
    assert back == json.loads(json.dumps(record))
    assert back["commands"][0]["argv"] == ["gan-course", "train", "3"]
    assert back["gan_course_version"] == gan_course.__version__ and back["torch_version"] == torch.__version__
    assert back["quick"] is True and back["seed"] == 0 and back["wall_time_s"] == 3.0


def test_a_command_without_wall_time_is_a_programming_error():
    with pytest.raises(ValueError, match="wall_time_s"):
        run_record(name="x", commands=[{"argv": ["gan-course"]}], seed=0, wall_time_s=1.0)


@pytest.mark.parametrize("content, problem", [(None, "no run.json"), ("{", "not valid JSON"),
                                              ('{"format": 99}', "not a run.json of format 1")])
def test_a_missing_or_broken_record_names_the_fix(tmp_path, content, problem):
    if content is not None:
        (tmp_path / RUN_RECORD).write_text(content)
    with pytest.raises(ResultError, match=problem):
        read_run_record(tmp_path)
