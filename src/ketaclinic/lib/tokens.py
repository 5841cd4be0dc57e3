"""Secrets handed out once (an API key, an invitation link) and stored only as a digest.

The secret is 256 random bits, so a plain SHA-256 digest is enough to store:
nothing can be guessed from it, and a slow password hash would add nothing but
time to every API request.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["digest", "new_secret"]


def new_secret() -> str:
    """A fresh secret: 256 random bits, URL-safe (shown once, never stored)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored and looked up instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
