"""Is the fool-rate tally safe when several players (threads, or separate servers) finish rounds at
once, does a broken file survive, and does playing write nothing outside the run directory?"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from gan_course.game.tally import Tally
from gan_course.run_dir import RunDir

PROCESSES, UPDATES_PER_PROCESS = 4, 25


def test_concurrent_players_through_the_api_lose_no_round(client, run_dir):
    def play(_):
        round_id = client.get("/api/spot/round").json()["round"]
        result = client.post("/api/spot/answer", json={"round": round_id, "fakes": []}).json()
        return sum(result["truth"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        fakes = list(pool.map(play, range(24)))
    entry = json.loads(RunDir(run_dir).tally.read_text())["checkpoints"]["best-epoch0002"]
    assert entry["rounds"] == 24 and entry["fakes_shown"] == entry["fakes_missed"] == sum(fakes)
    assert entry["images_shown"] == 24 * 12 and entry["fool_rate"] == 1.0


def test_concurrent_processes_lose_no_update(tmp_path):
    path = tmp_path / "run" / "game" / "tally.json"
    worker = textwrap.dedent(f"""
        from gan_course.game.tally import Tally
        tally = Tally({str(path)!r})
        for _ in range({UPDATES_PER_PROCESS}):
            tally.add("best-epoch0001", info={{"checkpoint": "best", "epoch": 1, "step": 10}},
                      rounds=1, fakes_shown=3, fakes_missed=1)
    """)
    processes = [subprocess.Popen([sys.executable, "-c", worker]) for _ in range(PROCESSES)]
    assert [p.wait(timeout=60) for p in processes] == [0] * PROCESSES
    entry = Tally(path).read()["checkpoints"]["best-epoch0001"]
    total = PROCESSES * UPDATES_PER_PROCESS
    assert (entry["rounds"], entry["fakes_shown"], entry["fakes_missed"]) == (total, 3 * total, total)
    assert entry["fool_rate"] == pytest.approx(1 / 3)
    assert sorted(p.name for p in path.parent.iterdir()) == ["tally.json", "tally.json.lock"]  # no temp files left


def test_a_corrupt_tally_is_kept_aside_not_overwritten(tmp_path):
    path = tmp_path / "game" / "tally.json"
    path.parent.mkdir()
    path.write_text("{half a file")
    tally = Tally(path)
    assert tally.read() == {"checkpoints": {}}
    entry = tally.add("latest-epoch0003", info={"checkpoint": "latest"}, rounds=1, fakes_shown=4, fakes_missed=3)
    assert entry["fool_rate"] == 0.75
    kept = [p for p in path.parent.iterdir() if p.name.startswith("tally.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == "{half a file"


def test_unknown_counters_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown tally counters"):
        Tally(tmp_path / "tally.json").add("best-epoch0001", info={}, wins=1)


def test_playing_writes_only_the_tally_inside_the_run(client, run_dir, tmp_path, isolated_home):
    def snapshot():
        return {p: p.stat().st_mtime_ns for root in (tmp_path, isolated_home) for p in root.rglob("*") if p.is_file()}

    before = snapshot()
    client.post("/api/draw?label=2", content=b"not an image", headers={"content-type": "image/png"})
    client.get("/api/spot/round?checkpoint=../../x")
    round_id = client.get("/api/spot/round").json()["round"]
    client.post("/api/spot/answer", json={"round": round_id, "fakes": [0, 3]})
    after = snapshot()
    changed = sorted(str(p.relative_to(run_dir)) for p in after if before.get(p) != after[p])
    assert changed == ["game/tally.json", "game/tally.json.lock"]
