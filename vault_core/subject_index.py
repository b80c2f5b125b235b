"""The subject index: keyed hashes of identifying values -> the records that hold them.

Written by the pii_findings stage beside the findings, one Delta partition per data partition.
Identifying values (e-mail addresses, phone numbers, card and national-id numbers, and every
value of an entity column) are normalized first (case, spaces, phone digits) and hashed with
keyed BLAKE3; the values themselves are never stored. The key is a random 32 bytes sealed as an
object of the dataset's own scope in the content-addressed store: rotation re-wraps it like any
object, and shredding the dataset's wrapping keys makes the index useless.

Lookups take several identifiers of one person at once (:func:`subject_hashes`) and return the
record ids of every partition that holds any of them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import blake3
import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from vault_core.exceptions import VaultError
from vault_core.pii.canonical import ALNUM_ENTITIES, canonical_value
from vault_core.pii.finding import DECLARED_DETECTOR
from vault_core.storage.backends import open_backend
from vault_core.storage_options import fsspec_options
from vault_core.tables import TableNotFoundError, open_dataset

SUBJECT = "subject"
RECORD_ID = "record_id"
PARTITION = "partition"
INDEX_ZONE = "subject_index"
KEY_FILE = "_subjects/key"
INDEX_SCHEMA = pa.schema(
    [(SUBJECT, pa.string()), (RECORD_ID, pa.string()), (PARTITION, pa.string())]
)
"""One row per (keyed hash of an identifying value, record holding it) of one partition."""

INDEXED_TYPES: frozenset[str] = frozenset(
    {
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "US_SSN",
        "US_ITIN",
        "US_PASSPORT",
        "US_DRIVER_LICENSE",
        "US_BANK_NUMBER",
        "UK_NHS",
    }
)
"""Entity types found in free text that identify one person and are indexed; names and places
in free text are not (they would tie a request to everyone who shares a name). Every value of
an entity column is indexed whatever its type."""

_DIGITS = re.compile(r"[^0-9]+")
_PHONE_CHARS = re.compile(r"^[0-9+()\-./ \u00a0]+$")
_HASH_LENGTH = 16  # bytes: 128-bit keyed hashes, no accidental collision across a vault


class SubjectIndexError(VaultError):
    """The subject index of a dataset cannot be used (its key is gone or was never made)."""


class _Put(Protocol):
    @property
    def address(self) -> str: ...


class _Store(Protocol):
    def put(self, data: bytes, *, scope: str) -> _Put: ...
    def get(self, address: str) -> bytes: ...


# -- normalization ---------------------------------------------------------------------------


def _phone_keys(text: str) -> list[str]:
    """Digits, and the national significant number when the text carries a country code (so
    ``+1 415 555 0132`` and ``(415) 555-0132`` meet)."""
    digits = _DIGITS.sub("", text)
    if not digits:
        return []
    keys = [digits]
    if text.lstrip().startswith("+"):
        import phonenumbers  # E.164 parsing: the country code's length varies by country

        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return keys
        national = str(parsed.national_number)
        if national != digits:
            keys.append(national)
    return keys


def value_keys(entity_type: str, value: str, *, declared: bool = False) -> list[tuple[str, str]]:
    """The (kind, normalized form) pairs an identifying value is indexed under."""
    if entity_type == "EMAIL_ADDRESS":
        return [("email", canonical_value(entity_type, value))]
    if entity_type == "PHONE_NUMBER":
        return [("phone", key) for key in _phone_keys(value)]
    if entity_type in ALNUM_ENTITIES or (entity_type in INDEXED_TYPES and not declared):
        return [("id", canonical_value("CREDIT_CARD", value))]
    return [("text", canonical_value(entity_type, value))]


def query_keys(identifier: str) -> list[tuple[str, str]]:
    """Every (kind, normalized form) an identifier given without its type may be indexed
    under: an e-mail, a phone number, an id number, a plain value."""
    text = identifier.strip()
    keys: list[tuple[str, str]] = []
    if "@" in text:
        keys += value_keys("EMAIL_ADDRESS", text)
    if _PHONE_CHARS.match(text) and len(_DIGITS.sub("", text)) >= 6:
        keys += value_keys("PHONE_NUMBER", text)
    if any(char.isdigit() for char in text):
        keys += value_keys("CREDIT_CARD", text)
    keys += [("text", canonical_value("PERSON", text))]
    return list(dict.fromkeys(keys))


def hash_keys(keys: Iterable[tuple[str, str]], key: bytes) -> list[str]:
    """Keyed hashes (hex) of (kind, normalized form) pairs."""
    return [
        blake3.blake3(f"{kind}\x1f{norm}".encode("utf-8", "surrogatepass"), key=key).hexdigest(
            length=_HASH_LENGTH
        )
        for kind, norm in keys
        if norm
    ]


def subject_hashes(identifiers: Sequence[str], key: bytes) -> list[str]:
    """The keyed hashes to look up for several identifiers of one person."""
    return sorted({h for identifier in identifiers for h in hash_keys(query_keys(identifier), key)})


# -- building rows ---------------------------------------------------------------------------


def index_rows(texts: pa.Table, findings: pa.Table, key: bytes, partition: str) -> pa.Table:
    """Index rows of one batch: ``texts`` as the detectors read it (record id and the scanned
    columns as text), ``findings`` the FINDINGS_SCHEMA rows found in it."""
    if findings.num_rows == 0:
        return INDEX_SCHEMA.empty_table()
    declared = pc.equal(findings["detector"], DECLARED_DETECTOR)
    wanted = pc.or_(declared, pc.is_in(findings["entity_type"], pa.array(sorted(INDEXED_TYPES))))
    hits = findings.filter(wanted)
    if hits.num_rows == 0:
        return INDEX_SCHEMA.empty_table()
    rows_of = {rid: i for i, rid in enumerate(texts[RECORD_ID].to_pylist())}
    cells: dict[str, list[str | None]] = {}
    subjects: set[tuple[str, str]] = set()
    # A batch repeats its values (a customer across tickets): each value is normalized and
    # hashed once per batch (phone keys parse each number with phonenumbers).
    digests_of: dict[tuple[str, str, bool], list[str]] = {}
    for rid, column, start, end, entity, detector in zip(
        *(hits[name].to_pylist() for name in
          (RECORD_ID, "column", "start", "end", "entity_type", "detector")),
        strict=True,
    ):  # fmt: skip
        if column not in cells:
            cells[column] = texts[column].to_pylist()
        text = cells[column][rows_of[rid]]
        if not text:
            continue
        is_declared = detector == DECLARED_DETECTOR
        value = text if is_declared else text[start:end]
        memo = (entity, value, is_declared)
        digests = digests_of.get(memo)
        if digests is None:
            digests = hash_keys(value_keys(entity, value, declared=is_declared), key)
            digests_of[memo] = digests
        for digest in digests:
            subjects.add((digest, rid))
    subject_digests, record_ids = zip(*subjects, strict=True) if subjects else ((), ())
    table = pa.table(
        {
            SUBJECT: pa.array(subject_digests, pa.string()),
            RECORD_ID: pa.array(record_ids, pa.string()),
            PARTITION: pa.array([partition] * len(subjects), pa.string()),
        },
        schema=INDEX_SCHEMA,
    )
    # Arrow's sort (byte order: the digests and ids are ASCII) instead of sorting the tuples.
    return table.sort_by([(SUBJECT, "ascending"), (RECORD_ID, "ascending")])


# -- the key ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectKeyRef:
    """Where a dataset's index key lives: the address of its sealed object."""

    dataset: str
    address: str


def key_pointer(datasets_url: str, dataset: str) -> str:
    """URL of the small file naming the sealed index key of ``dataset``."""
    return f"{datasets_url.rstrip('/')}/{dataset}/{KEY_FILE}"


def read_key_ref(
    datasets_url: str, dataset: str, storage_options: dict[str, str] | None = None
) -> SubjectKeyRef | None:
    """The index key's address of ``dataset``, or None if none was made."""
    fs, path = fsspec.core.url_to_fs(
        key_pointer(datasets_url, dataset), **fsspec_options(storage_options)
    )
    if not fs.exists(path):
        return None
    return SubjectKeyRef(dataset, fs.cat_file(path).decode("ascii").strip())


def subject_key(
    store: _Store,
    datasets_url: str,
    dataset: str,
    *,
    create: bool,
    storage_options: dict[str, str] | None = None,
) -> bytes:
    """The index key of ``dataset``, made on first use when ``create``.

    Parallel steps race to make it: each seals a random key, and the first to create the
    pointer file (exclusively, on local disks) wins; the others read the winner's.

    Raises:
        SubjectIndexError: No key was made and ``create`` is False, or it cannot be opened
            (the dataset's keys were destroyed).
    """
    ref = read_key_ref(datasets_url, dataset, storage_options)
    if ref is None:
        if not create:
            raise SubjectIndexError(
                f"dataset {dataset} has no subject index: materialize its pii_findings "
                "(the index is written beside the findings)"
            )
        material = secrets.token_bytes(32)
        put = store.put(material, scope=dataset)
        _create_pointer(datasets_url, dataset, put.address, storage_options)
        ref = read_key_ref(datasets_url, dataset, storage_options)
        assert ref is not None
    try:
        material = store.get(ref.address)
    except Exception as exc:  # a destroyed key, a missing object: the index is unusable
        raise SubjectIndexError(
            f"the subject index key of dataset {dataset} cannot be opened "
            f"({type(exc).__name__}): its keys were destroyed or its object is missing"
        ) from exc
    if len(material) != 32:
        raise SubjectIndexError(f"the subject index key of dataset {dataset} is malformed")
    return material


def _create_pointer(
    datasets_url: str, dataset: str, address: str, storage_options: dict[str, str] | None
) -> None:
    # Write-once: of two processes creating the key at once, one pointer wins and both read it.
    folder, name = key_pointer(datasets_url, dataset).rsplit("/", 1)
    backend = open_backend(folder, storage_options)
    backend.publish(f"{backend.root}/{name}", address.encode("ascii"))


# -- lookups ---------------------------------------------------------------------------------


def lookup(
    url: str,
    hashes: Sequence[str],
    *,
    storage_options: dict[str, str] | None = None,
) -> dict[str, set[str]]:
    """Partition -> record ids whose index rows carry any of ``hashes`` (current version)."""
    if not hashes:
        return {}
    try:
        dataset = open_dataset(url, storage_options=storage_options)
    except TableNotFoundError:
        return {}
    table = dataset.to_table(
        columns=[RECORD_ID, PARTITION], filter=ds.field(SUBJECT).isin(list(hashes))
    )
    found: dict[str, set[str]] = {}
    for rid, partition in zip(
        table[RECORD_ID].to_pylist(), table[PARTITION].to_pylist(), strict=True
    ):
        found.setdefault(str(partition), set()).add(str(rid))
    return found
