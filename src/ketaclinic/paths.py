"""Where ketaclinic keeps its files; importable without configuring Django."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def var_dir() -> Path:
    """The data directory: ``$KETACLINIC_VAR_DIR``, else ``var/`` in the checkout."""
    return Path(os.environ.get("KETACLINIC_VAR_DIR", PROJECT_DIR / "var"))
