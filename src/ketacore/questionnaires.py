"""Questionnaires: the intake's question sections and the scored instruments, one model.

Everything a patient or a clinician answers is a questionnaire with an id: the
intake sections (``pain``, ``treatments``, ``health``, ``medicines``) and every
instrument of :mod:`ketacore.scoring` (``phq9``, ``dn4``…). :func:`check_response`
takes answers to any of them and returns a :class:`Checked` response: the clean
answers, the instrument's options, what is still missing, and the score once an
instrument is complete. Storing it is the app's business; checking and scoring
are done here, once, for every caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ketacore.errors import InputError
from ketacore.intake import FACT_SECTIONS, Section, clean_section, missing_answers
from ketacore.scoring import INSTRUMENTS, Instrument, get_instrument, score_result_to_dict

__all__ = ["QUESTIONNAIRE_IDS", "Checked", "check_response", "is_instrument", "title_of"]

#: Every questionnaire id: the intake sections, then the instruments.
QUESTIONNAIRE_IDS: tuple[str, ...] = (*FACT_SECTIONS, *INSTRUMENTS)


@dataclass(frozen=True, slots=True)
class Checked:
    """A response to one questionnaire, checked (and scored when complete).

    Attributes:
        questionnaire: Its id.
        answers: The clean answers (unanswered items left out).
        options: An instrument's options as used (empty for a section).
        missing: Required items still without an answer.
        score: The instrument's score (``score_result_to_dict``) once complete;
            None for an incomplete instrument and for a section.
    """

    questionnaire: str
    answers: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    score: dict[str, Any] | None = None

    @property
    def complete(self) -> bool:
        return not self.missing


def is_instrument(questionnaire: str) -> bool:
    return questionnaire in INSTRUMENTS


def title_of(questionnaire: str) -> str:
    """The questionnaire's name in words."""
    if questionnaire in FACT_SECTIONS:
        return FACT_SECTIONS[questionnaire].title
    return get_instrument(questionnaire).name


def check_response(
    questionnaire: str,
    answers: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> Checked:
    """Check ``answers`` to ``questionnaire`` (and score them if it is a complete instrument).

    Args:
        questionnaire: A section or instrument id (:data:`QUESTIONNAIRE_IDS`).
        answers: Item or question id -> answer; ``None`` means not answered.
        options: An instrument's options (its defaults when None).

    Raises:
        InputError: Naming the field: an unknown questionnaire, an unknown item,
            an out-of-range or wrongly typed answer, an option a section has not.
    """
    if questionnaire in FACT_SECTIONS:
        if options:
            raise InputError("options", "question sections have no options")
        return _check_section(FACT_SECTIONS[questionnaire], answers)
    if questionnaire not in INSTRUMENTS:
        raise InputError(
            "questionnaire",
            f"unknown questionnaire {questionnaire!r}; known: " + ", ".join(QUESTIONNAIRE_IDS),
        )
    return _check_instrument(get_instrument(questionnaire), answers, options)


def _check_section(section: Section, answers: Mapping[str, Any]) -> Checked:
    clean = clean_section(section, answers)
    return Checked(section.id, clean, missing=missing_answers(section, clean))


def _check_instrument(
    instrument: Instrument, answers: Mapping[str, Any], options: Mapping[str, Any] | None
) -> Checked:
    if not isinstance(answers, Mapping):
        raise InputError("answers", "must be an object keyed by item id")
    given = {k: v for k, v in answers.items() if v is not None}
    resolved = instrument.resolve_options(options)
    clean, missing = instrument.check_answers(given, resolved)
    score = None if missing else score_result_to_dict(instrument.score(clean, resolved))
    return Checked(instrument.id, dict(clean), dict(resolved), tuple(missing), score)
