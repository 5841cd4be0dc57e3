"""Data-entry plausibility limits for the registry.

These reject typing errors (a weight of 700 kg, a height of 5 m); they are not
clinical thresholds and decide nothing about treatment. A clinic can widen them
in settings (``KETACLINIC_PLAUSIBLE_WEIGHT_KG`` etc.), for example for bariatric care.

References:
    The heaviest reliably documented adult weighed about 635 kg and the tallest
    272 cm (Guinness World Records, cited in general references on human
    extremes); the defaults below sit well inside those and cover adult care.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from phonenumbers import NumberParseException, PhoneNumberFormat

from ketacore.errors import InputError
from ketacore.icd10 import normalise_icd10

DEFAULT_PLAUSIBLE_WEIGHT_KG = (Decimal("20"), Decimal("350"))
DEFAULT_PLAUSIBLE_HEIGHT_CM = (Decimal("50"), Decimal("250"))
DEFAULT_MAX_AGE_YEARS = 120


def _limits(name: str, default: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    low, high = getattr(settings, name, default)
    return Decimal(low), Decimal(high)


def validate_weight_kg(value: Decimal) -> None:
    low, high = _limits("KETACLINIC_PLAUSIBLE_WEIGHT_KG", DEFAULT_PLAUSIBLE_WEIGHT_KG)
    if not low <= value <= high:
        raise ValidationError(f"Weight must be between {low} and {high} kg.", code="range")


def validate_height_cm(value: Decimal) -> None:
    low, high = _limits("KETACLINIC_PLAUSIBLE_HEIGHT_CM", DEFAULT_PLAUSIBLE_HEIGHT_CM)
    if not low <= value <= high:
        raise ValidationError(f"Height must be between {low} and {high} cm.", code="range")


#: No date in a patient's record is older than this (a typing error: "0009-11-01").
EARLIEST_DATE = dt.date(1900, 1, 1)


def validate_past_date(value: dt.date) -> None:
    if value > timezone.localdate():
        raise ValidationError("This date cannot be in the future.", code="future")
    if value < EARLIEST_DATE:
        raise ValidationError(
            f"This date cannot be before {EARLIEST_DATE.isoformat()}.", code="too_early"
        )


def validate_not_before_birth(value: dt.date | None, born: dt.date | None, *, field: str) -> None:
    """Refuse a date in a patient's record that comes before their birth (issue 8 #16)."""
    if value is not None and born is not None and value < born:
        raise ValidationError(
            {field: f"This date is before the patient's date of birth ({born.isoformat()})."},
            code="before_birth",
        )


def validate_date_of_birth(value: dt.date) -> None:
    oldest = timezone.localdate().year - DEFAULT_MAX_AGE_YEARS
    if value.year < oldest:
        raise ValidationError(
            f"Date of birth must be after {oldest} (age over {DEFAULT_MAX_AGE_YEARS}).",
            code="too_old",
        )
    validate_past_date(value)


def validate_icd10(value: str) -> None:
    try:
        normalise_icd10(value)
    except InputError as exc:
        raise ValidationError(exc.rule[0].upper() + exc.rule[1:] + ".", code="icd10") from None


#: Longest folded search key stored (the name columns hold at most 100 characters).
SEARCH_KEY_LENGTH = 100


def search_key(text: str) -> str:
    """Fold a name for prefix search, in any script.

    Compatibility forms are unified (NFKC: full-width letters, ligatures), case
    is folded by Unicode's rules (``casefold``: "Straße" and "STRASSE" meet),
    accents and other combining marks are removed after decomposition (so
    "Νίκος" is found as "νικος" and "José" as "jose"), and punctuation and spaces
    are dropped. Letters and digits of every script are kept: 王芳, محمد,
    Ольга and Νίκος all get keys (issue 8 #10; before, only ASCII was kept).
    The query is folded the same way, so what a user types meets what is stored.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)[:SEARCH_KEY_LENGTH]


def phone_digits(text: str) -> str:
    """The digits of a phone number, as ASCII (Arabic-Indic and other digits included)."""
    return "".join(
        str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None
    )


# ------------------------------------------------------------------ phone numbers


@dataclass(frozen=True, slots=True)
class Phone:
    """A checked phone number: how it is shown, and its E.164 form for matching."""

    #: National format for numbers of the clinic's region, international otherwise
    #: ("(480) 555-0101", "+44 20 7946 0958"), with any extension ("ext. 12").
    display: str
    #: "+14805550101": one spelling per number, for finding duplicates and dialling.
    e164: str
    #: The national significant number's digits ("4805550101"), which searches match.
    national_digits: str


def phone_region() -> str:
    return str(getattr(settings, "PHONE_REGION", "US"))


def parse_phone(text: str, region: str | None = None) -> Phone | None:
    """The number ``text`` spells, if it is a valid phone number; None otherwise.

    A number without a country code is read as one of ``region`` (the
    ``PHONE_REGION`` setting), so "(480) 555-0101" and "480.555.0101" are the
    same number, and "+44 20 7946 0958" is a British one.
    """
    region = region or phone_region()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    home = phonenumbers.region_code_for_number(number) == region
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return Phone(
        display=phonenumbers.format_number(number, style),
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national_digits=str(number.national_number),
    )


def normalise_phone(text: str, *, field: str) -> str:
    """The display form of a phone number typed into ``field``; "" stays "".

    Raises:
        ValidationError: Naming ``field``, when ``text`` is not a valid number.
    """
    text = text.strip()
    if not text:
        return ""
    phone = parse_phone(text)
    if phone is None:
        example = phonenumbers.example_number(phone_region())
        sample = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL) if example else ""
        hint = f" (for example {sample}, or +44 20 7946 0958 for a number abroad)" if sample else ""
        raise ValidationError(
            {field: f"This is not a phone number we can call: check the digits{hint}."},
            code="phone",
        )
    return phone.display


def phone_search_prefixes(query: str) -> tuple[list[str], str]:
    """What a phone search matches: national-digit prefixes, and a "+country code" or "".

    "(480) 555" and "480555" look for "480555"; "+1 480 555" for "480555" among
    numbers whose E.164 form starts "+1"; a leading trunk prefix ("0" in
    Britain, "1" in the US) is also tried without it.
    """
    digits = phone_digits(query)
    if query.strip().startswith(("+", "00")):
        rest = digits[2:] if query.strip().startswith("00") else digits
        for length in (1, 2, 3):
            code = rest[:length]
            if code and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                return [rest[length:]] if rest[length:] else [], f"+{code}"
        return [], ""
    prefixes = [digits]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(phone_region())
    trunk = metadata.national_prefix if metadata is not None else None
    if trunk and digits.startswith(trunk) and len(digits) > len(trunk):
        prefixes.append(digits[len(trunk) :])
    return prefixes, ""
