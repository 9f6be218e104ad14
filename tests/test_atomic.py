"""Does the one atomic writer leave the old file intact when a write fails or the writer dies,
never show a reader half a file, and keep the permissions a plain write would?"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from gan_course.atomic import (atomic_path, atomic_write, copy_atomic, write_bytes_atomic, write_json_atomic,
                               write_text_atomic)


def _temporaries(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_an_exception_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "history.json"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_write(path) as handle:
            handle.write("new and half")
            raise RuntimeError("disk on fire")
    assert path.read_text() == "old"
    assert _temporaries(tmp_path) == []


def test_a_writer_killed_mid_write_leaves_the_old_file_whole(tmp_path):
    """A real crash: the process dies (os._exit) inside the block, after writing part of the new file."""
    path = tmp_path / "metrics.json"
    path.write_text('{"old": true}')
    script = textwrap.dedent(f"""
        import os
        from gan_course.atomic import atomic_write
        with atomic_write({str(path)!r}) as handle:
            handle.write('{{"new": ')
            handle.flush()
            os._exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert json.loads(path.read_text()) == {"old": True}
    leftovers = _temporaries(tmp_path)  # the dead writer's partial file stays beside, never at the target
    assert len(leftovers) == 1 and leftovers[0].startswith(".metrics.json.")
    assert (tmp_path / leftovers[0]).read_text() == '{"new": '


def test_a_reader_sees_only_whole_versions_while_a_writer_rewrites(tmp_path):
    path = tmp_path / "tally.json"
    write_json_atomic(path, {"version": 0, "pad": "x" * 200_000}, durable=False)
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            seen.add(json.loads(path.read_text())["version"])  # a half file would raise JSONDecodeError

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in range(1, 60):
            write_json_atomic(path, {"version": version, "pad": "x" * 200_000}, durable=False)
    finally:
        stop.set()
        reader.join()
    assert seen <= set(range(60)) and json.loads(path.read_text())["version"] == 59


def test_durable_writes_fsync_the_file_and_the_directory(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_text_atomic(tmp_path / "a.txt", "a")
    assert synced == [False, True]  # the file's bytes, then the rename in its directory
    synced.clear()
    write_text_atomic(tmp_path / "b.txt", "b", durable=False)
    assert synced == []


def test_a_new_file_gets_the_umask_mode_and_a_replaced_file_keeps_its_own(tmp_path):
    old_umask = os.umask(0o022)
    try:
        fresh = write_text_atomic(tmp_path / "fresh.txt", "x")
        kept = tmp_path / "private.txt"
        kept.write_text("old")
        kept.chmod(0o600)
        write_text_atomic(kept, "new")
        forced = tmp_path / "forced.json"
        with atomic_write(forced, permissions=0o640) as handle:
            handle.write("{}")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # what open(path, "w") gives, not mkstemp's 0600
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_text() == "new"
    assert stat.S_IMODE(forced.stat().st_mode) == 0o640


def test_json_refuses_nan_and_keeps_the_previous_file(tmp_path):
    path = write_json_atomic(tmp_path / "metrics.json", {"fid": 1.5})
    assert path.read_text() == '{\n  "fid": 1.5\n}\n'
    with pytest.raises(ValueError):
        write_json_atomic(path, {"fid": math.nan})
    assert json.loads(path.read_text()) == {"fid": 1.5}
    compact = write_json_atomic(tmp_path / "history.json", {"a": [1, None]}, indent=None)
    assert compact.read_text() == '{"a": [1, null]}'


def test_bytes_paths_and_copies_arrive_whole_in_new_folders(tmp_path):
    data = bytes(range(256)) * 10
    assert write_bytes_atomic(tmp_path / "a" / "b.bin", data).read_bytes() == data
    with atomic_path(tmp_path / "c" / "d.png") as partial:
        assert partial.parent == tmp_path / "c" and partial.name.startswith(".d.png.")
        partial.write_bytes(b"png")
    assert (tmp_path / "c" / "d.png").read_bytes() == b"png"
    assert copy_atomic(tmp_path / "a" / "b.bin", tmp_path / "e" / "f.bin").read_bytes() == data
    assert _temporaries(tmp_path / "c") == [] and _temporaries(tmp_path / "e") == []


def test_append_mode_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ValueError, match="cannot be atomic"):
        with atomic_write(tmp_path / "log.txt", "a"):
            pass
