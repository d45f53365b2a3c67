"""Issue 15, item 5: ``import-ctgov`` never writes a protocol that ``screen`` would refuse.

0.1.0 wrote a criterion text over the protocol format's text limit, or a document over
its size limit, and exited 0; ``validate`` and ``screen`` then refused the file. A long
text is now cut to fit (marked, and said on stderr); a document that still cannot be
read back is refused at import with the reason, and nothing is written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from trialrules.formats.ctgov import CUT
from trialrules.formats.protocols import load_protocol_file
from trialrules.values.checks import MAX_TEXT

STUDY = Path(__file__).resolve().parent.parent / "data" / "ctgov" / "NCT03475563.json"


def _study(criteria: str) -> dict[str, Any]:
    study: dict[str, Any] = json.loads(STUDY.read_text(encoding="utf-8"))
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = criteria
    return study


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialrules.cli", *args], capture_output=True,
                          input="", text=True, encoding="utf-8", check=False, timeout=120)


def test_a_criterion_over_the_text_limit_is_cut_and_the_protocol_reads_back(tmp_path: Path) -> None:
    original = json.loads(STUDY.read_text(encoding="utf-8"))
    text = original["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    long_item = "* Prior therapy with " + "agent X, " * 1500 + "within 30 days."
    study = tmp_path / "study.json"
    study.write_text(json.dumps(_study(text.replace("* Age over 18 years.", long_item))))
    out = tmp_path / "protocol.json"
    done = _run("import-ctgov", str(study), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 texts were longer than a protocol document holds" in done.stderr
    protocol = load_protocol_file(out)  # what screen reads
    [cut] = [c for c in protocol.inclusion if (c.label or "").endswith(CUT)]
    assert len(cut.label or "") == MAX_TEXT
    assert (cut.label or "").startswith("Prior therapy with agent X,")
    assert _run("validate", str(out)).returncode == 0
    screened = _run("screen", "-", "--protocol", str(out), "--as-of", "2026-11-27")
    assert screened.returncode == 0, screened.stderr


def test_a_document_over_the_size_limit_is_refused_at_import(tmp_path: Path) -> None:
    items = "".join(f"* Criterion {i}: " + "x" * 9000 + "\n" for i in range(600))
    study = tmp_path / "study.json"
    study.write_text(json.dumps(_study("Inclusion Criteria:\n\n" + items)))
    out = tmp_path / "protocol.json"
    done = _run("import-ctgov", str(study), "-o", str(out))
    assert done.returncode == 2
    assert "could not be read back, so nothing was written" in done.stderr
    assert "at most 5000000 bytes" in done.stderr
    assert not out.exists()
