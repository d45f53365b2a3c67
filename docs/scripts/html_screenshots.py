"""Screenshots of the HTML pages for docs/how-to/html-pages.md, made the way a user makes the pages.

Runs the commands in COMMANDS (the page shows the same ones) on examples/,
opens each page in headless Chromium and saves the top of it as a PNG under
docs/img/. Needs the ``html`` extra and Debian's ``chromium``:

    python docs/scripts/html_screenshots.py

The pictures are checked in; rendering differs slightly between Chromium
versions, so tests check that they exist and that the page names these
commands, not their bytes.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"

#: (command, page it writes, screenshot, height in pixels)
COMMANDS = (
    ("trialrules screen examples/patients.jsonl --as-of 2027-03-31 --report feasibility.html",
     "feasibility.html", "html-report.png", 1500),
    ("trialrules explain examples/patients.jsonl --id P23 --as-of 2027-03-31 --format html",
     "P23.html", "html-patient.png", 1250),
    ("trialrules screen examples/patients.jsonl --as-of 2027-03-31 --format html --id P05 --id P24",
     "two.html", None, 0),
)


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from chromium import Page, executable

    from trialrules.cli import main as cli

    if executable() is None:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    os.chdir(ROOT)  # the pages name their input as typed: examples/patients.jsonl
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for command, page, shot, height in COMMANDS:
            args = [str(out / a) if a.endswith(".html") else a for a in shlex.split(command)[1:]]
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                status = cli(args)
            if "--report" not in args:  # the page went to stdout
                (out / page).write_text(buffer.getvalue(), encoding="utf-8")
            if status != 0:
                print(f"{command!r} exited {status}", file=sys.stderr)
                return 1
            if shot is None:
                continue
            with Page(out / page, width=1280, height=height) as browser:
                if browser.problems():
                    print(f"{page}: {browser.problems()}", file=sys.stderr)
                    return 1
                browser.screenshot(IMG / shot, max_height=height)
            print(f"wrote {IMG / shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
