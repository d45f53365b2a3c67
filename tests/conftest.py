"""Shared test settings: hypothesis profiles (CI runs more examples)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
# CI draws twice the dev examples; 300 brought the suite near its 5-minute budget on 2 cores.
settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Tests live in layer folders (values, engine, kinds, ...); a few import shared pieces
# from one another by basename (test file basenames are unique across the tree), so
# every layer folder is importable whatever order pytest collects them in.
_HERE = Path(__file__).resolve().parent
for _folder in sorted(_HERE.iterdir()):
    if _folder.is_dir() and (_folder / "__init__.py").exists() is False \
            and any(_folder.glob("test_*.py")) and str(_folder) not in sys.path:
        sys.path.append(str(_folder))
