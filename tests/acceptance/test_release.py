"""Release readiness: the sdist and wheel build, pass ``twine check``, and the wheel runs.

The wheel is built from the sdist (as ``python -m build`` does), so a file
missing from the sdist breaks the wheel too. It is installed into a fresh
virtual environment and runs the README's main command there.

To keep this fast and offline, the build runs without isolation (hatchling
comes from the ``dev`` extra), the venv is made without pip (this
environment's pip installs into it with ``--python``), and the two runtime
dependencies are linked in from this environment instead of being downloaded.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import trialrules
from helpers import AS_OF_TEXT

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("build", reason="the release extra is not installed")
pytest.importorskip("twine", reason="the release extra is not installed")
pytest.importorskip("hatchling", reason="the release extra is not installed")

pytestmark = pytest.mark.release


PATIENT = ('{"id": "R1", "birth_date": "1980-05-17", "sex": "female", "observations": '
           '[{"code": "edss", "value": 4.5, "date": "2026-10-02"}]}\n')


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command outside this environment's PYTHONPATH and virtualenv settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          env=env, cwd=cwd)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                 str(ROOT)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def _one(dist: Path, pattern: str) -> Path:
    (found,) = sorted(dist.glob(pattern))
    return found


def test_version_is_single_sourced_into_both_artifacts(dist: Path) -> None:
    version = trialrules.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", version)
    wheel = _one(dist, "*.whl")
    sdist = _one(dist, "*.tar.gz")
    assert wheel.name.startswith(f"trialrules-{version}-")
    assert sdist.name == f"trialrules-{version}.tar.gz"
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"trialrules-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in metadata
    assert "Requires-Dist: attrs" in metadata
    assert "Requires-Dist: python-dateutil" in metadata


def test_artifacts_hold_what_users_need(dist: Path) -> None:
    with zipfile.ZipFile(_one(dist, "*.whl")) as zf:
        names = set(zf.namelist())
    assert "trialrules/py.typed" in names
    assert "trialrules/protocols/nct06228781.py" in names
    assert not any(n.startswith(("tests/", "docs/")) for n in names)
    with tarfile.open(_one(dist, "*.tar.gz")) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    for needed in ("README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml",
                   "src/trialrules/py.typed", "mkdocs.yml", "docs/index.md"):
        assert needed in members, needed
    assert not any(m.startswith((".venv", ".ci-venv", "site/")) for m in members)


def test_twine_check_passes(dist: Path) -> None:
    files = [str(p) for p in sorted(dist.iterdir())]
    proc = _run([sys.executable, "-m", "twine", "check", "--strict", *files])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2


def _runtime_dependencies() -> list[str]:
    """trialrules' runtime requirements and theirs, as installed here (extras left out)."""
    from packaging.requirements import Requirement

    seen: list[str] = []
    todo = ["trialrules"]
    while todo:
        for text in importlib.metadata.requires(todo.pop()) or ():
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if req.name not in seen:
                seen.append(req.name)
                todo.append(req.name)
    return seen


def _link_runtime_dependencies(venv: Path) -> None:
    (site,) = venv.glob("lib/python*/site-packages")
    for name in _runtime_dependencies():
        dist = importlib.metadata.distribution(name)
        base = Path(str(dist.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in dist.files or ()}
        for top in sorted(tops):
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            target = site / top
            if not target.exists():
                target.symlink_to(base / top)


def _readme_command() -> list[str] | None:
    """The README's ``trialrules screen examples/...`` command, once the README and file exist."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\btrialrules screen (examples/\S+)[^\n&|;]*", readme)
    if match is None or not (ROOT / match.group(1)).exists():
        return None
    return shlex.split(match.group(0))


def test_fresh_venv_runs_the_main_command(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    proc = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                 "--no-deps", "--no-index", str(_one(dist, "*.whl"))])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _link_runtime_dependencies(venv)

    proc = _run([str(python), "-c", "import trialrules; print(trialrules.__file__)"],
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(venv), "imported from outside the venv"

    proc = _run([str(venv / "bin" / "trialrules"), "--version"], cwd=tmp_path)
    assert proc.stdout.strip() == f"trialrules {trialrules.__version__}"

    command = _readme_command()
    if command is None:  # until the README and examples/patients.jsonl land: a file of our own
        patients = tmp_path / "patients.jsonl"
        patients.write_text(PATIENT, encoding="utf-8")
        command = ["trialrules", "screen", str(patients), "--as-of", AS_OF_TEXT]
        cwd = tmp_path
    else:
        cwd = ROOT
    proc = _run([str(venv / "bin" / command[0]), *command[1:]], cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "NCT06228781" in proc.stdout + proc.stderr
    assert "patients screened: " in proc.stdout
