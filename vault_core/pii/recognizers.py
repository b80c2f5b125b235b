"""Vault's card and phone rules as Presidio recognizers, for users of a Presidio analyzer.

The engine itself runs :mod:`vault_core.pii.patterns`; these keep the same rules available to
code built on Presidio's ``AnalyzerEngine``.

Presidio's card regex only admits some issuer prefixes and 13-16 digits, so 2-series
Mastercard, 12-digit Maestro, JCB and 19-digit Visa numbers go unseen; its phone matcher
(libphonenumber) refuses numbers whose area code is not assigned, which is most invented or
mistyped numbers in free text. Missing them is worse than the rare false positive: a missed card
leaks into training data. Both recognizers are regexes plus a validator, in Presidio's own
``PatternRecognizer`` form, so scores and context words work as for the stock ones.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from vault_core.pii.patterns import luhn_valid as luhn_valid

CARD_CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "jcb", "cc"]
# Never start inside a longer digit group ("1234 5678 9012 3456" is not the card "5678 ...").
_CARD_PATTERN = r"(?<![\d-])(?<!\d )[1-6]\d(?:[ -]?\d){10,17}(?![\d-])"
PHONE_CONTEXT = ["phone", "call", "mobile", "cell", "tel", "reach", "text", "number", "fax"]


REPLACED_RECOGNIZERS = ("CreditCardRecognizer",)
"""Presidio recognizers whose findings ours are a superset of.

Keeping both would be worse than redundant: Presidio drops duplicate spans through a ``set``,
so which recognizer is credited would change with ``PYTHONHASHSEED`` from run to run, and with
it the findings table and its data version."""

NANP_PHONE_SCORE = 0.55
"""Just under Presidio's 0.6 for a formatted, valid phone number: on the same span Presidio's
finding wins deterministically; ours stands alone for numbers libphonenumber refuses."""


class CardNumberRecognizer(PatternRecognizer):
    """12-19 digit card numbers (first digit 1-6, as Presidio's), in any grouping with single
    spaces or dashes, that pass the Luhn check. Replaces Presidio's CreditCardRecognizer."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            name="VaultCardNumberRecognizer",
            patterns=[Pattern("card 12-19 digits", _CARD_PATTERN, 0.3)],
            context=CARD_CONTEXT,
            supported_language="en",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(char for char in pattern_text if char.isdigit())
        return len(set(digits)) > 1 and luhn_valid(digits)


class NanpPhoneRecognizer(PatternRecognizer):
    """North American numbers written as phone numbers: ``(415) 555-0132``, ``415-555-0132``,
    ``415.555.0132``, ``+1 415 555 0132``, ``1-415-555-0132`` (separators required)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="VaultNanpPhoneRecognizer",
            patterns=[
                Pattern(
                    "nanp formatted",
                    r"(?<![\w+-])(?:\+?1[-. ])?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])",
                    NANP_PHONE_SCORE,
                )
            ],
            context=PHONE_CONTEXT,
            supported_language="en",
        )


def vault_recognizers() -> list[PatternRecognizer]:
    """The recognizers vault adds to Presidio's predefined ones."""
    return [CardNumberRecognizer(), NanpPhoneRecognizer()]
