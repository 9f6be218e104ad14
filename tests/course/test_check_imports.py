"""Does ``gan-course check`` stay light: do its command line and every hidden check import
nothing that would cost seconds before the first probe runs?"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torchvision", "matplotlib", "torch._dynamo", "scipy", "gan_course.train.trainer", "nbformat")


def _imported(code: str) -> list[str]:
    code += f"\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_the_check_command_line_imports_neither_torch_nor_the_trainer():
    """The parent process only reads the notebook and starts one child (``train``'s parser
    used to import the trainer and torch on every command)."""
    code = ("import sys\nfrom gan_course.cli import build_parser\nbuild_parser('check')\n"
            "assert 'torch' not in sys.modules, 'the check command line imported torch'")
    assert _imported(code) == []


def test_every_hidden_check_imports_nothing_heavy():
    code = ("from gan_course.course.checks import checks_for\nfrom gan_course.course.contract import ASSIGNMENTS\n"
            "for a in ASSIGNMENTS:\n    checks_for(a)")
    assert _imported(code) == []
