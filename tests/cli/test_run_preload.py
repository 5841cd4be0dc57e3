"""`ketaclinic run` loads the application, with the ICD-10-CM code set, before gunicorn
forks its workers: one shared copy instead of one per worker (docs/performance.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ketaclinic.cli.clinic import gunicorn_arguments


def test_gunicorn_preloads_the_application() -> None:
    arguments = gunicorn_arguments("127.0.0.1:8000", 2, Path("var"))
    assert arguments[0] == "ketaclinic.wsgi"
    assert "--preload" in arguments


def test_loading_the_wsgi_application_loads_the_code_set() -> None:
    probe = (
        "import ketaclinic.wsgi\n"
        "from ketacore import icd10\n"
        "print(icd10._codes.cache_info().currsize, icd10._parsed_table.cache_info().currsize)\n"
    )
    env = {**os.environ, "KETACLINIC_DEV": "1"}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
