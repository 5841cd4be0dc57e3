"""Builders for answer sets used by the instrument tests."""

from __future__ import annotations

from ketacore.scoring import ScoreResult, get_instrument


def all_answers(instrument_id: str, value: int, **options: str) -> dict[str, int]:
    """Every item of the instrument answered with ``value``."""
    items = get_instrument(instrument_id).items_with(options)
    return {item.id: value for item in items}


def yes_to(instrument_id: str, *yes_ids: str, **options: str) -> dict[str, int]:
    """Yes (1) to the given items, no (0) to the rest."""
    answers = all_answers(instrument_id, 0, **options)
    for item_id in yes_ids:
        assert item_id in answers, item_id
        answers[item_id] = 1
    return answers


def first_n_yes(instrument_id: str, n: int, **options: str) -> dict[str, int]:
    """Yes to the first ``n`` items, no to the rest."""
    items = get_instrument(instrument_id).items_with(options)
    return {item.id: int(i < n) for i, item in enumerate(items)}


def band_id(result: ScoreResult) -> str:
    """The band id of a result that must have a band."""
    assert result.band is not None
    return result.band.id
