"""The canonical form of a detected value: what the keyed operators (token, surrogate,
pseudonym) key on, so that case and format variants of one value get one replacement.

``Jane@X.com`` and ``jane@x.com``, ``(415) 555-0132`` and ``415.555.0132``,
``4111-1111-1111-1111`` and ``4111 1111 1111 1111`` are one value each; so are their obfuscated
forms (full-width digits, no-break or zero-width spaces, look-alike letters), read as the
detectors read them (:func:`vault_core.pii.normalize.normalize_text`).
"""

from __future__ import annotations

import ipaddress
import re

from vault_core.pii.normalize import normalize_text

_WHITESPACE = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"[^0-9]+")

ALNUM_ENTITIES: frozenset[str] = frozenset(
    {
        "CREDIT_CARD",
        "US_SSN",
        "US_ITIN",
        "IBAN_CODE",
        "US_BANK_NUMBER",
        "ABA_ROUTING_NUMBER",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "MAC_ADDRESS",
        "ZIP_CODE",
    }
)
"""Identifiers keyed on their letters and digits only, upper-cased: separators and grouping
are formatting."""


def canonical_value(entity_type: str, value: str, *, fold_case: bool = True) -> str:
    """The form of ``value`` that keyed operators key on.

    Per entity type, after Unicode normalization (NFKC, invisible characters dropped, Unicode
    spaces, dashes and digits as ASCII, look-alike letters folded):

    - ``EMAIL_ADDRESS``: stripped and lower-cased;
    - ``PHONE_NUMBER``: its digits, with a leading ``+`` kept (E.164-like: ``+14155550132``);
    - cards, SSNs, ITINs, IBANs and other identifiers (:data:`ALNUM_ENTITIES`): letters and
      digits only, upper-cased;
    - ``IP_ADDRESS``: the address in its compressed form (``2001:db8::1``) when it parses;
    - names and everything else: whitespace collapsed to single spaces and case-folded.

    With ``fold_case=False`` letters keep their case (the rest is done all the same). A value
    with nothing left after the per-type step (a "phone" without digits) keys on its
    normalized, whitespace-collapsed text.
    """
    text = _WHITESPACE.sub(" ", normalize_text(value)[0]).strip()
    if entity_type == "EMAIL_ADDRESS":
        key = text.replace(" ", "")
        return key.lower() if fold_case else key
    if entity_type == "PHONE_NUMBER":
        digits = _NOT_DIGIT.sub("", text)
        if digits:
            return "+" + digits if text.startswith("+") else digits
    elif entity_type in ALNUM_ENTITIES:
        alnum = "".join(char for char in text if char.isalnum())
        if alnum:
            return alnum.upper() if fold_case else alnum
    elif entity_type == "IP_ADDRESS":
        try:
            return ipaddress.ip_address(text).compressed
        except ValueError:
            pass
    return text.casefold() if fold_case else text
