"""Errors raised by ``vault_core.pii``; messages never carry a detected value or a text."""

from __future__ import annotations

from vault_core.exceptions import ConfigurationError, TerminalError, VaultError


class PiiError(VaultError):
    """Base class of all errors raised by ``vault_core.pii``."""


class PolicyError(PiiError, ConfigurationError):
    """A policy is malformed: bad YAML, an unknown operator kind or an invalid field."""


class UnsupportedEntityError(PiiError, ConfigurationError):
    """The engine was asked for entity types it cannot detect in its mode.

    Attributes:
        entities: The requested entity types that are not supported.
        mode: The engine mode in which they were requested.
    """

    def __init__(self, message: str, *, entities: list[str], mode: str) -> None:
        super().__init__(message)
        self.entities = entities
        self.mode = mode


class DetectionError(PiiError, TerminalError):
    """A detector failed on a text (the message names the failure, never the text)."""


class ModelNotInstalledError(PiiError, ConfigurationError):
    """The configured spaCy model package is not installed (it is never downloaded).

    Attributes:
        model: The spaCy model package name.
    """

    def __init__(self, message: str, *, model: str) -> None:
        super().__init__(message)
        self.model = model


class ColumnNotFoundError(PiiError, ConfigurationError):
    """A column named in a call is missing from the table.

    Attributes:
        column: The missing column name.
        available: The columns the table has.
    """

    def __init__(self, message: str, *, column: str, available: list[str]) -> None:
        super().__init__(message)
        self.column = column
        self.available = available


class InvalidFindingError(PiiError, TerminalError):
    """A finding does not fit the text it is applied to (offsets out of range or reversed).

    Attributes:
        start: The finding's start offset.
        end: The finding's end offset.
        text_length: Length of the text, when known.
    """

    def __init__(
        self, message: str, *, start: int, end: int, text_length: int | None = None
    ) -> None:
        super().__init__(message)
        self.start = start
        self.end = end
        self.text_length = text_length


class MissingKeyError(PiiError, ConfigurationError):
    """A keyed operator (token, surrogate, pseudonym) was applied without a key resolver.

    Attributes:
        purpose: The key purpose that could not be resolved (a label, never key material).
    """

    def __init__(self, message: str, *, purpose: str) -> None:
        super().__init__(message)
        self.purpose = purpose


class PseudonymError(PiiError, TerminalError):
    """A pseudonym does not decrypt: it is malformed, or the key is not the one that made it."""


class KAnonymityError(PiiError, ConfigurationError):
    """A k-anonymity step cannot run on the table (e.g. a quasi-identifier column is missing)."""


class DetectorError(PiiError, ConfigurationError):
    """A detector or a detector set is malformed: a duplicate or unknown name, a regex outside
    the subset the columnar pass reads, an unknown validator."""


class DetectorYamlError(DetectorError):
    """A YAML file of declared detectors is invalid.

    Attributes:
        source: The file (or ``<string>``) the YAML came from.
        location: Where in it the problem is, e.g. ``detectors[1].patterns[0].regex``
            (empty when the whole document is at fault).
        problem: What is wrong, without the file's other content.
    """

    def __init__(self, *, source: str, location: str, problem: str) -> None:
        where = f"{source}: {location}" if location else source
        super().__init__(f"invalid detector YAML {where}: {problem}")
        self.source = source
        self.location = location
        self.problem = problem
