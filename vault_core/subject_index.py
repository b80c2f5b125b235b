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
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from vault_core._cell_slices import cell_slices
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
_STRICT_PLUS_PHONE = re.compile(r"\+[0-9 .\-]*")
_MAX_PHONE_TEXT = 250  # phonenumbers refuses longer input, whatever it holds
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
        national = _national_number(text, digits)
        if national is not None and national != digits:
            keys.append(national)
    return keys


def _national_number(text: str, digits: str) -> str | None:
    """The national significant number phonenumbers reads in ``text`` (None: not a number)."""
    if (
        len(digits) == 11
        and digits[0] == "1"
        and len(text) <= _MAX_PHONE_TEXT
        and _STRICT_PLUS_PHONE.fullmatch(text)
    ):
        # "+1" and ten digits written with spaces, dots or dashes only: what phonenumbers makes
        # of it depends on the digits only, and for North American numbers that is the ten
        # digits as an integer (checked against phonenumbers in the tests). Parsing costs
        # ~50 us a number, the most of an index batch's time when it holds many.
        return str(int(digits[1:]))
    import phonenumbers  # E.164 parsing: the country code's length varies by country

    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return str(parsed.national_number)


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
    columns as text), ``findings`` the FINDINGS_SCHEMA rows found in it.

    Columnar: the values are cut out of their cells with numpy, the common forms (ASCII
    e-mails, ids and plain values, phone numbers without a ``+``) normalized by Arrow kernels
    to the same keys as :func:`value_keys`, the rest by :func:`value_keys` once per distinct
    value; each distinct key is hashed once.
    """
    if findings.num_rows == 0:
        return INDEX_SCHEMA.empty_table()
    declared = pc.equal(findings["detector"], DECLARED_DETECTOR)
    wanted = pc.or_(declared, pc.is_in(findings["entity_type"], pa.array(sorted(INDEXED_TYPES))))
    hits = findings.filter(wanted)
    if hits.num_rows == 0:
        return INDEX_SCHEMA.empty_table()
    values, filled = _values(texts, hits)
    kept = np.flatnonzero(filled)
    if len(kept) < hits.num_rows:  # null and empty cells hold no value
        hits, values = hits.take(pa.array(kept)), values.take(pa.array(kept))
    hit_of, message_of, messages = _messages(
        values,
        hits["entity_type"].combine_chunks(),
        pc.equal(hits["detector"], DECLARED_DETECTOR).combine_chunks(),
    )
    if not len(hit_of):
        return INDEX_SCHEMA.empty_table()
    # Messages of distinct values; two values may still share one (same normalized form).
    encoded = messages.dictionary_encode()
    digests = pa.array(
        [
            blake3.blake3(message, key=key).hexdigest(length=_HASH_LENGTH)
            for message in encoded.dictionary.cast(pa.large_binary()).to_pylist()
        ],
        pa.string(),
    )
    digest_of = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)[message_of]
    table = pa.table(
        {
            SUBJECT: digests.take(pa.array(digest_of)),
            RECORD_ID: hits[RECORD_ID].take(pa.array(hit_of)),
        }
    ).sort_by([(SUBJECT, "ascending"), (RECORD_ID, "ascending")])  # byte order: ASCII
    subjects, records = table[SUBJECT].combine_chunks(), table[RECORD_ID].combine_chunks()
    first = np.ones(table.num_rows, dtype=bool)  # a record holding a value twice: one row
    if table.num_rows > 1:
        same = pc.and_(
            pc.equal(subjects[1:], subjects[:-1]), pc.equal(records[1:], records[:-1])
        ).to_numpy(zero_copy_only=False)
        first[1:] = ~same
    keep = pa.array(np.flatnonzero(first))
    return pa.table(
        {
            SUBJECT: subjects.take(keep),
            RECORD_ID: records.take(keep).cast(pa.string()),
            PARTITION: pa.array([partition] * len(keep), pa.string()),
        },
        schema=INDEX_SCHEMA,
    )


def _values(texts: pa.Table, hits: pa.Table) -> tuple[pa.Array, np.ndarray]:
    """Per hit, its value (the cell of a declared column, the found span of a text) and
    whether its cell holds anything."""
    record_ids = texts[RECORD_ID].combine_chunks()
    # The last row of a record id (the rows of one id hold the same values): look up reversed.
    last_first = record_ids.take(pa.array(np.arange(len(record_ids) - 1, -1, -1)))
    found = pc.index_in(hits[RECORD_ID], value_set=last_first)
    if found.null_count:
        raise SubjectIndexError("findings name records that are not in the batch's texts")
    rows = len(record_ids) - 1 - found.to_numpy(zero_copy_only=False).astype(np.int64)
    columns = hits["column"].combine_chunks()
    starts = hits["start"].to_numpy().astype(np.int64)
    ends = hits["end"].to_numpy().astype(np.int64)
    whole = pc.equal(hits["detector"], DECLARED_DETECTOR).to_numpy(zero_copy_only=False)
    if (starts < 0).any() or (ends < 0).any():
        raise SubjectIndexError("findings with negative offsets cannot be indexed")
    pieces: list[pa.Array] = []
    order: list[np.ndarray] = []
    filled = np.zeros(hits.num_rows, dtype=bool)
    for column in pc.unique(columns).to_pylist():
        at = np.flatnonzero(pc.equal(columns, column).to_numpy(zero_copy_only=False))
        sliced, held = cell_slices(texts[column], rows[at], starts[at], ends[at], whole[at])
        pieces.append(sliced)
        order.append(at)
        filled[at] = held
    # Back to the hits' order.
    position = np.empty(hits.num_rows, dtype=np.int64)
    position[np.concatenate(order)] = np.arange(hits.num_rows)
    return pa.concat_arrays(pieces).take(pa.array(position)), filled


# Python's whitespace among ASCII characters (str.isspace, the \s of re), as an RE2 class.
_ASCII_SPACE = "[" + "".join(f"\\x{i:02x}" for i in range(128) if chr(i).isspace()) + "]+"


def _messages(
    values: pa.Array, entities: pa.Array, declared: pa.Array
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """The hashed messages (``kind``, U+001F, normalized form) of each value: the pairs of
    :func:`value_keys`, empty forms left out. Values are normalized once per distinct value of
    each (type, declared) group. Returns ``(hit_of, message_of, messages)``: ``messages`` holds
    the messages of each group's distinct values, and the hit ``hit_of[i]`` has the message
    ``messages[message_of[i]]`` (not one string per hit: taking and dictionary-encoding a copy
    per hit was a fifth of :func:`index_rows`)."""
    hits: list[np.ndarray] = []
    chosen_of: list[np.ndarray] = []
    messages: list[pa.Array] = []
    offset = 0
    groups = (
        pa.table({"entity": entities, "declared": declared})
        .group_by(["entity", "declared"])
        .aggregate([])
    )
    for entity, is_declared in zip(
        groups["entity"].to_pylist(), groups["declared"].to_pylist(), strict=True
    ):
        mask = pc.and_(pc.equal(entities, entity), pc.equal(declared, is_declared))
        at = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        encoded = values.take(pa.array(at)).dictionary_encode()
        owner, distinct = _distinct_messages(entity, is_declared, encoded.dictionary)
        if not len(owner):
            continue
        # Messages of each distinct value, then per hit the messages of its value.
        order = np.argsort(owner, kind="stable")
        owner, distinct = owner[order], distinct.take(pa.array(order))
        counts = np.bincount(owner, minlength=len(encoded.dictionary))
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        per_hit = counts[codes]
        total = int(per_hit.sum())
        run_start = np.concatenate([[0], np.cumsum(per_hit)[:-1]])
        chosen = np.repeat(first[codes] - run_start, per_hit) + np.arange(total, dtype=np.int64)
        hits.append(np.repeat(at, per_hit))
        chosen_of.append(chosen + offset)
        messages.append(distinct)
        offset += len(distinct)
    if not hits:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, pa.array([], pa.large_string())
    return np.concatenate(hits), np.concatenate(chosen_of), pa.concat_arrays(messages)


def _distinct_messages(
    entity: str, declared: bool, values: pa.Array
) -> tuple[np.ndarray, pa.Array]:
    """The messages of distinct ``values`` of one (type, declared) group, with the value each
    belongs to (:func:`value_keys`). ASCII values are left alone by ``normalize_text``, so
    ``canonical_value`` of them is a few Arrow kernels; phone digits are one for any value."""
    values = values.cast(pa.large_string())
    ascii_values = pc.string_is_ascii(values)
    vectorized: pa.Array
    if entity == "PHONE_NUMBER":
        kind = "phone"
        norms = pc.replace_substring_regex(values, "[^0-9]+", "")
        vectorized = pc.invert(pc.match_substring(values, "+"))  # a "+": phonenumbers too
    elif entity == "EMAIL_ADDRESS":
        kind = "email"
        norms = pc.ascii_lower(pc.replace_substring_regex(values, _ASCII_SPACE, ""))
        vectorized = ascii_values
    elif entity in ALNUM_ENTITIES or (entity in INDEXED_TYPES and not declared):
        kind = "id"
        alnum = pc.replace_substring_regex(values, "[^A-Za-z0-9]+", "")
        norms = pc.ascii_upper(alnum)
        vectorized = pc.and_(ascii_values, pc.not_equal(alnum, ""))  # else: the casefolded text
    elif entity != "IP_ADDRESS":
        kind = "text"
        collapsed = pc.replace_substring_regex(values, _ASCII_SPACE, " ")
        norms = pc.ascii_lower(pc.ascii_trim(collapsed, " "))
        vectorized = ascii_values
    else:
        kind, norms, vectorized = "text", values, pa.array(np.zeros(len(values), dtype=bool))
    fast = pc.and_(vectorized, pc.not_equal(norms, ""))  # an empty form is not indexed
    owners = [np.flatnonzero(fast.to_numpy(zero_copy_only=False))]
    chosen = norms.take(pa.array(owners[0]))
    found = [pc.binary_join_element_wise(
        pa.scalar(kind, chosen.type), chosen, pa.scalar("\x1f", chosen.type)
    )]  # fmt: skip
    rest = np.flatnonzero(pc.invert(vectorized).to_numpy(zero_copy_only=False))
    if len(rest):
        at: list[int] = []
        out: list[str] = []
        for index, value in zip(
            rest.tolist(), values.take(pa.array(rest)).to_pylist(), strict=True
        ):
            for kind_of, norm in value_keys(entity, value, declared=declared):
                if norm:
                    at.append(index)
                    out.append(f"{kind_of}\x1f{norm}")
        owners.append(np.array(at, dtype=np.int64))
        found.append(pa.array(out, pa.large_string()))
    return np.concatenate(owners), pa.concat_arrays(found)


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
