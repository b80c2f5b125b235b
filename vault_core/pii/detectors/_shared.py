"""Regex pieces and shadowing lists several detector modules share."""

from __future__ import annotations

from vault_core.pii.hipaa import NATIONAL_ID_TYPES

NUMBER_EDGE = r"[\w-]"
"""Lead and trail of bare numbers: not inside a word or a dashed number."""

NUMBER_TYPES: tuple[str, ...] = (
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "US_SSN",
    "US_ITIN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_BANK_NUMBER",
    "UK_NHS",
    "MAC_ADDRESS",
    "UUID",
    # National identifiers (a birth date inside a PESEL, a personnummer or a NIR is part of it)
    *NATIONAL_ID_TYPES,
    "AU_MEDICARE",
)
"""Entity types of digit groups in which a date-like piece ("12.04.19" in an IP address, "11-12"
in a card number) is part of the number, not a date."""
