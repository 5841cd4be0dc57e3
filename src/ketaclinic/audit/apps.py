from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class AuditConfig(AppConfig):
    name = "ketaclinic.audit"
    label = "audit"

    def ready(self) -> None:
        checks.register(check_witness_path)


def check_witness_path(**kwargs: Any) -> list[checks.CheckMessage]:
    """Warn at start-up when the witness file cannot be written.

    Audit records are still written (the clinical write must never fail because of the
    witness), but their removal from the end of a chain would go unseen.
    """
    path = Path(settings.AUDIT_WITNESS_PATH)
    target = path if path.exists() else path.parent
    if os.access(target, os.W_OK):
        return []
    return [
        checks.Warning(
            f"The audit witness file {path} cannot be written.",
            hint="Create its directory, writable by the app, or set AUDIT_WITNESS_PATH "
            "(docs/deploy.md).",
            id="ketaclinic.audit.W001",
        )
    ]
