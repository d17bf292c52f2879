"""Validators for what Indonesians type about themselves: phone numbers, NIK, passwords."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalise_phone(raw: str, region: str = "ID") -> str:
    """Parse a phone number as typed (0812…, 62812…, +62 812-…) into E.164, or raise."""
    raw = (raw or "").strip()
    if raw.startswith("62") and not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a valid phone number, e.g. +6281234567890."), code="phone"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number, e.g. +6281234567890."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164_phone(value: str) -> None:
    if not value:
        return
    if normalise_phone(value) != value:
        raise ValidationError(
            _("Write the phone number in international format, e.g. +6281234567890."), code="phone"
        )


def validate_nik(value: str) -> None:
    """A NIK is 16 digits: 6 of the region (province, regency, district), 6 of the birth
    date (DDMMYY, day + 40 for women) and 4 of a serial number that is never 0000."""
    if not value:
        return
    if len(value) != 16 or not value.isdigit():
        raise ValidationError(_("A NIK has exactly 16 digits."), code="nik")
    province = int(value[:2])
    if not 11 <= province <= 97 or value[2:4] == "00" or value[4:6] == "00":
        raise ValidationError(_("The NIK does not start with a valid region code."), code="nik")
    day, month = int(value[6:8]), int(value[8:10])
    if day > 40:
        day -= 40
    year = int(value[10:12])
    for century in (2000, 1900):
        try:
            dt.date(century + year, month, day)
            break
        except ValueError:
            continue
    else:
        raise ValidationError(_("The NIK's birth-date part is not a real date."), code="nik")
    if value[12:] == "0000":
        raise ValidationError(_("The NIK's serial number cannot be 0000."), code="nik")


def validate_staff_assignment(role: str, agency) -> None:
    """Check that ``role`` and ``agency`` fit together (``capabilities.agency_misfit``);
    raise with the error on ``agency``."""
    from .capabilities import agency_misfit

    problem = agency_misfit(role, agency)
    if problem is not None:
        raise ValidationError({"agency": problem}, code="agency")


_COMMON_WORDS = Path(__file__).resolve().parent / "data" / "common-passwords-id.txt"
_NOT_LETTERS = re.compile(r"[^a-z]+")


@functools.cache
def _common_words() -> frozenset[str]:
    lines = _COMMON_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


class IndonesianCommonPasswordValidator:
    """Refuse a password that, without its digits and signs, is a word Indonesian
    passwords are built on ("aduan123", "Bismillah!1"); Django's own list is English."""

    def validate(self, password: str, user=None) -> None:
        letters = _NOT_LETTERS.sub("", (password or "").lower())
        if letters in _common_words() or not letters:
            raise ValidationError(
                _("This password is too common: add words only you would think of."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return str(_("Your password can't be a common word with a few digits or signs."))
