"""ketacore: the pure scientific core of ketaclinic.

Pharmacokinetics (``ketacore.pk``), validated instruments (``ketacore.scoring``)
and clinical rules (``ketacore.rules``). Standard library, NumPy and SciPy only:
no Django, no I/O. The Django project imports this package; never the reverse
(an import-linter contract checks it).
"""

from __future__ import annotations

from ketacore.errors import InputError, KetacoreError, OutOfValidatedRangeError

__all__ = ["InputError", "KetacoreError", "OutOfValidatedRangeError"]
