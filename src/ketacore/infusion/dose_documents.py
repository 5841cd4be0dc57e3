"""JSON in, JSON out for ``ketaclinic dose`` (the contract is in docs/infusions.md).

Input: the protocol (inline, or by id from the library), the weight, and
optionally the dose, duration, basis (custom protocol only), concentration and
bag volume. The drug-wide limits and the pump's precision come from
``library`` when given, else from the library ketaclinic ships. Unknown keys are
refused and every error names its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ketacore.errors import InputError
from ketacore.infusion.dosing import DoseCalculation, calculate
from ketacore.infusion.protocols import (
    DoseBasis,
    default_protocol_document,
    load_protocol,
    load_protocol_library,
)

__all__ = ["run_dose"]

_KEYS = {
    "library",
    "protocol",
    "protocol_id",
    "weight_kg",
    "dose",
    "dose_basis",
    "duration_min",
    "concentration_mg_per_ml",
    "bag_volume_ml",
}


def _number(document: Mapping[str, Any], key: str) -> float | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(key, "must be a number")
    return float(value)


def run_dose(document: object) -> tuple[dict[str, Any], DoseCalculation]:
    """Compute one infusion's figures and limit checks.

    Returns:
        The output document and the calculation (whose ``hard_breaches`` the
        CLI turns into exit code 2).

    Raises:
        InputError: Naming the field.
    """
    if not isinstance(document, Mapping):
        raise InputError("(document)", "must be a JSON object")
    for key in document:
        if key not in _KEYS:
            raise InputError(key, f"is not allowed here; allowed: {', '.join(sorted(_KEYS))}")
    library_doc = document.get("library")
    if library_doc is not None:
        if not isinstance(library_doc, Mapping):
            raise InputError("library", "must be a protocol library object")
        try:
            library = load_protocol_library(library_doc)
        except InputError as exc:
            raise InputError(f"library.{exc.field}".rstrip("."), exc.rule) from None
    else:
        library = load_protocol_library(default_protocol_document())
    if ("protocol" in document) == ("protocol_id" in document):
        raise InputError("protocol", "give either protocol (an object) or protocol_id, not both")
    if "protocol" in document:
        protocol = load_protocol(document["protocol"], "protocol")
    else:
        pid = document["protocol_id"]
        if not isinstance(pid, str):
            raise InputError("protocol_id", "must be a string")
        protocol = library.get(pid)
    if "weight_kg" not in document:
        raise InputError("weight_kg", "is required")
    basis = document.get("dose_basis")
    if basis is not None:
        try:
            basis = DoseBasis(basis)
        except ValueError:
            allowed = ", ".join(b.value for b in DoseBasis)
            raise InputError("dose_basis", f"must be one of: {allowed}") from None
    weight = _number(document, "weight_kg")
    assert weight is not None
    calc = calculate(
        library,
        protocol,
        weight_kg=weight,
        dose=_number(document, "dose"),
        duration_min=_number(document, "duration_min"),
        basis=basis,
        concentration_mg_per_ml=_number(document, "concentration_mg_per_ml"),
        bag_volume_ml=_number(document, "bag_volume_ml"),
    )
    out = {"library": {"id": library.id, "version": library.version}, **calc.as_dict()}
    return out, calc
