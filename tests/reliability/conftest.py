"""Reliability suite: write the counted figures as JSON when asked (see reliability_figures)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from reliability_figures import FIGURES, fixed_bugs


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("HYPNIC_RELIABILITY_FIGURES")
    if target:
        fixed_bugs()
        Path(target).write_text(json.dumps(FIGURES, indent=1, sort_keys=True, default=str))
