"""Does the sandbox contain what student code can do: failures, resource abuse and snooping?

Every test runs real student-like code in a real bubblewrap sandbox (``bwrap`` is a
test dependency: CI installs the Debian package ``bubblewrap``). Tests that kill the sandbox
start their own; the others share one sandbox per module to stay fast.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import torch

from gan_course.course.checks.base import Probe
from autograder.bwrap import GiB, SandboxLimits, SandboxUnavailable, bwrap_command, bwrap_path, hidden_packages, require_sandbox
from autograder.sandbox import Sandbox, SandboxCrash
from gan_course.paths import source_checkout

REPO = source_checkout()
ADD = "def add(a, b):\n    return a + b"


def _require_bwrap() -> None:
    if bwrap_path() is None:
        pytest.fail("bubblewrap is not installed: `apt-get install bubblewrap` (the autograder's sandbox needs it)")


@pytest.fixture(scope="module")
def sandbox():
    """One running sandbox shared by the tests that do not kill it."""
    _require_bwrap()
    with Sandbox() as shared:
        yield shared


@pytest.fixture(scope="module")
def secrets(tmp_path_factory) -> dict[str, Path]:
    """Files on the host that student code must not read."""
    root = tmp_path_factory.mktemp("secrets")
    other = root / "submissions" / "bob" / "01_vanilla_dcgan.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text('{"cells": []}')
    gradebook = root / "grading" / "gradebook.db"
    gradebook.parent.mkdir(parents=True)
    gradebook.write_bytes(b"SQLite format 3\0")
    return {
        "hidden checks": REPO / "gan_course" / "course" / "checks" / "base.py",
        "reference library": REPO / "gan_course" / "losses" / "bce.py",
        "another submission": other,
        "gradebook": gradebook,
    }


def test_a_cell_runs_and_a_probe_returns_plain_values(sandbox):
    """Positive control: setup and solution cells run, probes come back as tensors."""
    assert sandbox.execute("setup", "import torch", timeout=30) == {"ok": True}
    assert sandbox.execute("add", ADD, timeout=30) == {"ok": True}
    probes = [Probe("common.call", {"args": [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]})]
    (result,) = sandbox.probe("add", probes, timeout=30)
    assert result["ok"] is True
    assert torch.equal(result["value"]["result"]["tensor"], torch.tensor([4.0, 6.0]))


def test_a_syntax_error_is_reported_with_its_line(sandbox):
    outcome = sandbox.execute("bad", "x = 1\ndef f(:\n    pass", timeout=30)
    assert (outcome["ok"], outcome["kind"], outcome["type"], outcome["lineno"]) == (False, "syntax_error", "SyntaxError", 2)


def test_an_exception_is_reported_and_the_sandbox_keeps_going(sandbox):
    outcome = sandbox.execute("boom", "raise ValueError('no luck')", timeout=30)
    assert (outcome["kind"], outcome["type"], outcome["message"]) == ("error", "ValueError", "no luck")
    assert sandbox.execute("after", "y = 2", timeout=30) == {"ok": True}


def test_sys_exit_in_a_cell_does_not_end_the_sandbox(sandbox):
    outcome = sandbox.execute("exit", "import sys\nsys.exit(0)", timeout=30)
    assert (outcome["kind"], outcome["type"]) == ("error", "SystemExit")
    assert sandbox.alive


@pytest.mark.parametrize(
    "code",
    ["import torch\nhog = torch.ones(2**31)", "hog = bytearray(6 * 2**30)"],
    ids=["torch tensor of 8 GiB", "python buffer of 6 GiB"],
)
def test_a_memory_bomb_hits_the_memory_limit(sandbox, code):
    """RLIMIT_AS (4 GiB) turns an 8 GiB allocation into an error, not a dead machine."""
    outcome = sandbox.execute("bomb", code, timeout=60)
    assert (outcome["ok"], outcome["kind"]) == (False, "memory")
    assert sandbox.execute("still alive", "z = 3", timeout=30) == {"ok": True}


def test_gigabytes_of_output_cost_nothing(sandbox):
    """1 GiB printed to stdout and stderr goes to /dev/null; the protocol pipe is untouched."""
    start = time.monotonic()
    outcome = sandbox.execute("chatty", "import sys\nfor _ in range(512):\n    sys.stdout.write('x' * 2**20)\n    print('y' * 2**20, file=sys.stderr)", timeout=60)
    assert outcome == {"ok": True}
    assert time.monotonic() - start < 30
    assert sandbox.execute("quiet", "w = 4", timeout=30) == {"ok": True}


def test_secrets_on_the_host_cannot_be_read(sandbox, secrets):
    for what, path in secrets.items():
        assert path.is_file(), f"the test needs {what} to exist on the host"
        outcome = sandbox.execute("snoop", f"open({str(path)!r}, 'rb').read()", timeout=30)
        assert (outcome["ok"], outcome["type"]) == (False, "FileNotFoundError"), what


def test_the_course_directory_is_not_even_listed(sandbox):
    outcome = sandbox.execute("ls", f"import os\nassert not os.path.exists({str(REPO / 'autograder')!r})\nassert not os.path.exists({str(REPO / 'gan_course')!r})", timeout=30)
    assert outcome == {"ok": True}


def test_writing_outside_the_scratch_directory_fails(sandbox, tmp_path):
    targets = [tmp_path / "pwned.txt", Path("/pwned.txt"), Path("/usr/pwned.txt"), REPO / "pwned.txt"]
    for target in targets:
        outcome = sandbox.execute("write", f"open({str(target)!r}, 'w').write('x')", timeout=30)
        # Under /tmp a write may land in the sandbox's private /tmp tmpfs (when the checkout or
        # its virtual environment lives under /tmp, bwrap recreates the parent directories
        # there); it must still never reach the host.
        assert outcome["ok"] is False or str(target).startswith("/tmp/"), target
        assert not target.exists()
    ok = sandbox.execute("scratch", "import os\nopen('notes.txt', 'w').write('x')\nassert os.getcwd() == '/scratch'\nopen('/tmp/t', 'w').write('y')", timeout=30)
    assert ok == {"ok": True}


def test_a_huge_file_in_scratch_hits_the_file_size_limit(sandbox):
    outcome = sandbox.execute("disk", "open('big.bin', 'wb').write(b'0' * (100 * 2**20))", timeout=60)
    assert (outcome["ok"], outcome["type"], "File too large" in outcome["message"]) == (False, "OSError", True)


def test_importing_the_reference_library_fails(sandbox):
    outcome = sandbox.execute("delegate", "from gan_course.losses import d_bce", timeout=30)
    assert (outcome["type"], outcome["module"]) == ("ModuleNotFoundError", "gan_course")
    assert sandbox.execute("allowed", "import numpy, torch, scipy", timeout=60) == {"ok": True}


def test_there_is_no_network_and_no_grader_environment(sandbox):
    code = (
        "import os, socket\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n    reached = True\n"
        "except OSError:\n    reached = False\n"
        "assert not reached\n"
        "assert 'GAN_COURSE_HOME' not in os.environ and os.environ['GAN_COURSE_BUDGET'] == 'grader'\n"
        "assert os.getuid() == 65534"
    )
    assert sandbox.execute("net", code, timeout=30) == {"ok": True}


def test_a_returned_object_that_is_not_plain_data_is_refused(sandbox):
    assert sandbox.execute("obj", "import torch\ndef make(x):\n    return torch.nn.Linear(2, 2)", timeout=30) == {"ok": True}
    (result,) = sandbox.probe("make", [Probe("common.call", {"args": [1]})], timeout=30)
    assert (result["ok"], result["kind"]) == (False, "error")
    assert "cannot read" in result["message"]


def test_an_infinite_loop_times_out_and_the_process_tree_is_gone():
    _require_bwrap()
    with Sandbox() as sandbox:
        group = sandbox.process.pid
        start = time.monotonic()
        with pytest.raises(SandboxCrash) as crash:
            sandbox.execute("loop", "import os\nos.fork()\nwhile True:\n    pass", timeout=1.0)
        assert crash.value.kind == "timeout"
        assert time.monotonic() - start < 10
        assert not sandbox.alive
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)


@pytest.mark.parametrize(
    ("code", "detail"),
    [("import os\nos._exit(3)", "status 3"), ("import ctypes\nctypes.string_at(0)", "SIGSEGV"), ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "SIGKILL")],
    ids=["os._exit", "segfault", "sigkill"],
)
def test_a_cell_that_kills_the_process_is_a_crash(code, detail):
    _require_bwrap()
    with Sandbox() as sandbox:
        with pytest.raises(SandboxCrash) as crash:
            sandbox.execute("die", code, timeout=30)
    assert crash.value.kind == "crashed"
    assert detail in crash.value.message


def test_a_probe_that_hangs_times_out():
    _require_bwrap()
    with Sandbox() as sandbox:
        sandbox.execute("slow", "def slow(x):\n    while True:\n        pass", timeout=30)
        with pytest.raises(SandboxCrash) as crash:
            sandbox.probe("slow", [Probe("common.call", {"args": [1]})], timeout=1.0)
    assert crash.value.kind == "timeout"


def test_the_sandbox_refuses_to_expose_a_protected_directory():
    """A Python environment inside the course directory would expose the course: refused."""
    _require_bwrap()
    harness = REPO / "gan_course" / "course" / "harness"
    with pytest.raises(SandboxUnavailable, match="expose"):
        bwrap_command(require_sandbox(), harness_dir=harness, worker_file=REPO / "autograder" / "worker.py", limits=SandboxLimits(), protected=[Path(torch.__file__).parents[2]])


def test_without_bwrap_the_grader_refuses_with_the_install_command(monkeypatch):
    import autograder.bwrap as sandbox_module

    sandbox_module.require_sandbox.cache_clear()
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: None)
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox_module.require_sandbox()
    finally:
        sandbox_module.require_sandbox.cache_clear()


def test_the_default_memory_limit_is_four_gib():
    """torch needs more than 2 GiB of address space to import; 4 GiB is the documented default."""
    assert SandboxLimits().memory_bytes == 4 * GiB


def test_unsafe_mode_still_applies_limits_and_timeouts():
    """--unsafe-no-sandbox drops bubblewrap, not the memory limit, the timeout or the protocol."""
    with Sandbox(unsafe=True) as unsafe:
        assert unsafe.execute("add", ADD, timeout=30) == {"ok": True}
        (result,) = unsafe.probe("add", [Probe("common.call", {"args": [2, 3]})], timeout=30)
        assert result["value"]["result"]["python"] == 5
        assert unsafe.execute("bomb", "hog = bytearray(6 * 2**30)", timeout=60)["kind"] == "memory"
        with pytest.raises(SandboxCrash) as crash:
            unsafe.execute("loop", "while True:\n    pass", timeout=1.0)
    assert crash.value.kind == "timeout"


def test_an_installed_copy_of_the_library_or_the_checks_is_hidden(tmp_path, monkeypatch):
    """A non-editable install of gan_course (or autograder) in a bound directory gets a tmpfs."""
    site_dir = tmp_path / "site-packages"
    for name in ("gan_course", "autograder", "numpy_like"):
        (site_dir / name).mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site_dir))
    assert sorted(hidden_packages([str(tmp_path)])) == [str(site_dir / "autograder"), str(site_dir / "gan_course")]
    monkeypatch.syspath_prepend(str(REPO))
    assert str(REPO / "gan_course") in hidden_packages([str(REPO)])  # were the checkout ever bound


def test_a_forged_compressed_reply_on_the_protocol_pipe_is_refused():
    """Student code can write to the result pipe; a zip bomb there is refused, never unpacked."""
    _require_bwrap()
    forge = (
        "import io, os, struct, sys, zipfile\n"
        "buffer = io.BytesIO()\n"
        "with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:\n"
        "    archive.writestr('archive/data.pkl', bytes(10**8))\n"
        "data = buffer.getvalue()\n"
        "os.write(int(sys.argv[2]), struct.pack('>Q', len(data)) + data)\n"
    )
    with Sandbox() as sandbox:
        with pytest.raises(SandboxCrash) as crash:
            sandbox.execute("forge", forge, timeout=30)
        assert crash.value.kind == "unreadable"
        assert not sandbox.alive
