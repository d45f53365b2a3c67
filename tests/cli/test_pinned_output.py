"""CLI output on examples/ and the bundled protocol is byte-identical to 0.1.0's.

The files under tests/golden/pinned/ were written by the 0.1.0 command line
before the extension-point redesign (tests/golden/pinned/commands.txt lists
each command); a refactor that changes one byte of them fails here. Issue 13
changed some reasons on purpose (a flag's text, plural event counts, the
completeness a NOT_MET lookback rests on) and regenerated the pins; CHANGELOG.md
lists the changed texts.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINNED = ROOT / "tests" / "golden" / "pinned"
COMMANDS = [line.split("\t") for line in (PINNED / "commands.txt").read_text().splitlines() if line]


def run_pinned(command: str, tmp: Path) -> str:
    """Run one pinned command the way the pins were written: exit status, stdout, report files."""
    args = shlex.split(command.replace("{tmp}", str(tmp)))
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", check=False)
    out = done.stdout
    if "--report" in command:
        out += "\n--- report.json\n" + (tmp / "report.json").read_text(encoding="utf-8")
        out += "\n--- report.txt\n" + (tmp / "report.txt").read_text(encoding="utf-8")
    return f"exit {done.returncode}\n" + out


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_output_is_pinned(name: str, command: str, tmp_path: Path) -> None:
    assert run_pinned(command, tmp_path) == (PINNED / name).read_text(encoding="utf-8")
