"""A form's errors as one line of text, each named by its field's label (autosaved pages)."""

from __future__ import annotations

from django import forms

__all__ = ["errors_text"]


def errors_text(form: forms.BaseForm) -> str:
    """``"Label: message; Other label: message"`` for the autosave status line."""
    return "; ".join(
        f"{form.fields[k].label}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()
    )
