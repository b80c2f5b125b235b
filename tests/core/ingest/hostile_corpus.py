"""Hostile landing files, generated (nothing big is committed): what a careless or hostile
producer may drop into a landing folder, with the PII planted in each so a test can assert that
none leaks into reject details, errors, logs or metadata.

Usage::

    files = write_hostile_corpus(tmp_path / "csv", "csv")
    result = ingest(str(tmp_path / "csv" / "*.csv"), "csv", record_key=KEY)
    planted = {value for f in files for value in f.planted}

Each format's files go straight into ``folder`` as ``<case>.<fmt>``; one call per format (to one
folder each) gives one dataset per format. Rows carry a per-file id, so no good row of one file is
an exact repeat of another file's (which ingest would refuse as ``duplicate``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("csv", "jsonl", "parquet", "txt")


@dataclass(frozen=True)
class HostileFile:
    """One generated file.

    Attributes:
        path: where it was written.
        fmt: its dataset format (``csv``, ``jsonl``, ``parquet``, ``txt``).
        case: what is hostile about it, in a few words.
        planted: PII values written into it (values, and names in ``value_like_name`` cases);
            none may appear in a reject detail, an error, a log line or run metadata.
        reasons: the reject reasons ingest must give for this file (empty: all rows are records).
        records: how many records ingest must keep from it (``None``: not pinned).
    """

    path: Path
    fmt: str
    case: str
    planted: tuple[str, ...] = ()
    reasons: frozenset[str] = frozenset()
    records: int | None = None


def _pii(n: int) -> tuple[str, str, str]:
    """A realistic e-mail, SSN and Luhn-valid card number, distinct per ``n``."""
    cards = ("4111111111111111", "5555555555554444", "378282246310005", "6011111111111117")
    return f"jane.doe{n}@example.com", f"219-09-{9000 + n:04d}", cards[n % len(cards)]


def _csv_files() -> list[tuple[str, str, bytes, tuple[str, ...], set[str], int | None]]:
    e1, s1, c1 = _pii(1)
    e2, s2, c2 = _pii(2)
    e3, s3, _c3 = _pii(3)
    e4, s4, _c4 = _pii(4)
    e5, s5, _c5 = _pii(5)
    e6, _s6, _ = _pii(6)
    e7, s7, _c7 = _pii(7)
    big = "x" * (200 * 1024)
    huge = "y" * (16 * 1024 * 1024 + 10)
    wide = ",".join(f"c{i}" for i in range(3000))
    return [
        # (case, name, bytes, planted, reasons, records)
        (
            "clean rows full of PII",
            "clean",
            f"id,email,ssn,card\nclean-1,{e1},{s1},{c1}\nclean-2,{e2},{s2},{c2}\n".encode(),
            (e1, s1, c1, e2, s2, c2),
            set(),
            2,
        ),
        (
            "an unclosed quote that used to swallow the next two rows",
            "unclosed_quote",
            f'id,email,ssn\nuq-1,"{e3},{s3}\nuq-2,{e4},{s4}\nuq-3,{e5},{s5}\n'.encode(),
            (e3, s3, e4, s4, e5, s5),
            {"unclosed_quote"},
            2,
        ),
        (
            "text after a closing quote",
            "malformed_quote",
            f'id,email\nmq-1,"{e6}"x\nmq-2,ok\n'.encode(),
            (e6,),
            {"malformed_quote"},
            1,
        ),
        (
            "a quoted value spanning lines (kept, counted as continuation lines)",
            "multiline_value",
            f'id,note\nml-1,"call {e7}\nback\rtomorrow"\nml-2,plain\n'.encode(),
            (e7,),
            set(),
            2,
        ),
        (
            "lone CR, CRLF and LF line breaks mixed",
            "cr_mix",
            f"id,ssn\rcr-1,{s7}\r\ncr-2,x\ncr-3,y\rcr-4,z".encode(),
            (s7,),
            set(),
            4,
        ),
        (
            "UTF-8 BOM, CRLF and blank lines",
            "bom_crlf_blank",
            b"\xef\xbb\xbfid,v\r\n\r\nbom-1,a\r\n\r\n\r\nbom-2,b\r\n",
            (),
            set(),
            2,
        ),
        (
            "invalid UTF-8 in the header: every row refused",
            "header_not_utf8",
            b"id,na\xffme\nhn-1," + e1.encode() + b"\n\nhn-2," + c1.encode() + b"\n",
            (e1, c1),
            {"invalid_header"},
            0,
        ),
        (
            "a UTF-16 file (BOM and NUL bytes)",
            "utf16",
            f"id,email\nu16-1,{e2}\n".encode("utf-16"),
            (e2,),
            {"invalid_header"},
            0,
        ),
        (
            "a UTF-16 file without BOM (NUL bytes, valid UTF-8)",
            "utf16_no_bom",
            f"id,email\nu16-1,{e2}\n".encode("utf-16-le"),
            (e2,),
            {"invalid_header"},
            0,
        ),
        (
            "a row that is not UTF-8 and a row with a NUL",
            "bad_bytes_rows",
            b"id,v\nbb-1,caf\xe9 " + s2.encode() + b"\nbb-2,a\x00" + c2.encode() + b"\nbb-3,ok\n",
            (s2, c2),
            {"invalid_utf8", "nul_character"},
            1,
        ),
        (
            "control characters that are not line breaks (VT, FF, NEL, LS, ESC, BEL)",
            "control_chars",
            "id,v\ncc-1,a\x0bb\x0cc\x85d\u2028e\x1b[31mf\x07\ncc-2,\x01\x02\x7f\n".encode(),
            (),
            set(),
            2,
        ),
        (
            "a 200 KiB field (over the csv module's default limit)",
            "big_field",
            f"id,v\nbf-1,{big}\nbf-2,{e3}\n".encode(),
            (e3,),
            set(),
            2,
        ),
        (
            "a field over the 16 MiB limit",
            "huge_field",
            f"id,v\nhf-1,{huge}\nhf-2,{s3}\n".encode(),
            (s3,),
            {"field_too_large"},
            1,
        ),
        (
            "3000 columns on one line",
            "wide",
            (wide + "\n" + ",".join(f"w{i}" for i in range(3000)) + "\n").encode(),
            (),
            set(),
            1,
        ),
        (
            "columns equal up to case (renamed deterministically)",
            "case_columns",
            f"id,Email,email,EMAIL\ncase-1,{e4},{e5},x\n".encode(),
            (e4, e5),
            set(),
            1,
        ),
        (
            "a column named twice: every row refused",
            "duplicate_column",
            f"id,email,email\ndc-1,{e6},{e7}\ndc-2,a,b\n".encode(),
            (e6, e7),
            {"duplicate_column"},
            0,
        ),
        (
            "record_id, Record_ID and source_record_id columns",
            "record_id_columns",
            b"id,record_id,source_record_id,Record_ID\nrid-1,theirs,also,third\n",
            (),
            set(),
            1,
        ),
        (
            "no header row: the first row's PII would become column names",
            "pii_header",
            f"{e1},{s1},{c1}\n{e2},{s2},{c2}\n".encode(),
            (e1, s1, c1, e2, s2, c2),
            {"value_like_name"},
            0,
        ),
        ("an empty file", "empty", b"", (), set(), 0),
        ("only blank lines", "only_blank", b"\n\r\n\r\n", (), set(), 0),
        ("a header and nothing else", "header_only", b"id,email,ssn\n", (), set(), 0),
        (
            "every row has the wrong field count",
            "all_field_count",
            f"id,email\nfc-1\nfc-2,{e5},extra\n".encode(),
            (e5,),
            {"field_count"},
            0,
        ),
        (
            "spreadsheet formulas and quotes in values (kept as text)",
            "formulas",
            b'id,v\nfm-1,"=HYPERLINK(""http://x"")"\nfm-2,+1+1\nfm-3,"a ""b"" c"\n',
            (),
            set(),
            3,
        ),
    ]


def _jsonl_files() -> list[tuple[str, str, bytes, tuple[str, ...], set[str], int | None]]:
    e1, s1, c1 = _pii(11)
    e2, s2, c2 = _pii(12)
    e3, s3, _c3 = _pii(13)
    e4, s4, _ = _pii(14)

    def line(obj: object) -> bytes:
        return json.dumps(obj).encode()

    deep = b'{"id": "deep-2", "v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    return [
        (
            "clean objects full of PII",
            "clean",
            line({"id": "j-1", "email": e1, "ssn": s1, "card": c1, "n": 3, "o": {"k": [1]}})
            + b"\n",
            (e1, s1, c1),
            set(),
            1,
        ),
        (
            "nesting 100k deep between good lines",
            "deep",
            line({"id": "deep-1", "email": e2}) + b"\n" + deep + b"\n",
            (e2,),
            {"too_deep"},
            1,
        ),
        (
            "a 5000-digit integer, NaN, Infinity and a float overflow",
            "numbers",
            b'{"id": "num-1", "n": '
            + b"9" * 5000
            + b"}\n"
            + b'{"id": "num-2", "n": NaN, "ssn": "'
            + s2.encode()
            + b'"}\n{"id": "num-3", "n": -Infinity}\n{"id": "num-4", "n": 1e999}\n'
            + b'{"id": "num-5", "n": 12345678901234567890123}\n',
            (s2,),
            {"invalid_number"},
            1,
        ),
        (
            "a lone surrogate escape (and a valid pair, kept)",
            "surrogates",
            b'{"id": "sur-1", "v": "\\ud800", "email": "'
            + e3.encode()
            + b'"}\n{"id": "sur-2", "v": "\\ud83d\\ude00"}\n{"\\udfff": 1}\n',
            (e3,),
            {"invalid_unicode"},
            1,
        ),
        (
            "a UTF-8 BOM before the first object",
            "bom",
            b"\xef\xbb\xbf" + line({"id": "bom-1", "card": c2}) + b"\n",
            (c2,),
            set(),
            1,
        ),
        (
            "a key repeated at the top and in a nested object",
            "duplicate_keys",
            b'{"id": "dk-1", "email": "'
            + e4.encode()
            + b'", "email": "x"}\n{"id": "dk-2", "o": {"a": 1, "a": 2}}\n{"id": "dk-3"}\n',
            (e4,),
            {"duplicate_key"},
            1,
        ),
        (
            "keys equal up to case, in one object and across rows",
            "case_keys",
            line({"id": "ck-1", "Email": s3, "email": s4})
            + b"\n"
            + line({"id": "ck-2", "EMAIL": "x"}),
            (s3, s4),
            set(),
            2,
        ),
        (
            "record_id and source_record_id keys",
            "record_id_keys",
            line({"id": "rk-1", "record_id": "theirs", "source_record_id": "also"}) + b"\n",
            (),
            set(),
            1,
        ),
        (
            "lone CR, CRLF and LF between objects",
            "cr_mix",
            line({"id": "cr-1"}) + b"\r" + line({"id": "cr-2"}) + b"\r\n" + line({"id": "cr-3"}),
            (),
            set(),
            3,
        ),
        (
            "a line that is not UTF-8, a raw NUL, an escaped NUL (kept)",
            "bad_bytes",
            b'{"id": "bb-1", "v": "caf\xe9 '
            + s1.encode()
            + b'"}\n{"id": "bb-2", "v": "a\x00b"}\n{"id": "bb-3", "v": "a\\u0000b"}\n',
            (s1,),
            {"invalid_utf8", "invalid_json"},
            1,
        ),
        (
            "lines that are not objects and a truncated object",
            "not_objects",
            b'[1, 2]\n"text"\n42\nnull\n{"id": "no-1", "email": "' + e2.encode() + b'"\n',
            (e2,),
            {"not_an_object", "invalid_json"},
            0,
        ),
        (
            "a 1 MiB string and line separators inside strings",
            "long_line",
            line({"id": "ll-1", "v": "z" * (1024 * 1024)})
            + b"\n"
            + line({"id": "ll-2", "v": "a\u2028b\u0085c\x0bd"})
            + b"\n"
            + '{"id": "ll-3", "v": "a\u2028b\u0085c"}'.encode()
            + b"\n",
            (),
            set(),
            3,
        ),
        (
            "a key that is an e-mail address",
            "pii_key",
            line({"id": "pk-1", e3: "subscribed"}) + b"\n" + line({"id": "pk-2"}) + b"\n",
            (e3,),
            {"value_like_name"},
            1,
        ),
        (
            "an empty key and an empty object",
            "empty_key",
            b'{"": "v", "id": "ek-1"}\n{}\n',
            (),
            set(),
            2,
        ),
        ("an empty file", "empty", b"", (), set(), 0),
        ("whitespace-only lines", "only_blank", b"  \n\t\r\n\r\n", (), set(), 0),
    ]


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _parquet_files() -> list[tuple[str, str, bytes, tuple[str, ...], set[str], int | None]]:
    e1, s1, c1 = _pii(21)
    e2, s2, c2 = _pii(22)
    e3, _s3, _ = _pii(23)
    clean = pa.table({"id": ["p-1", "p-2"], "email": [e1, e2], "n": [1, 2], "ssn": [s1, s2]})
    whole = _parquet(pa.table({"id": ["t-1"] * 50, "email": [e3] * 50, "i": list(range(50))}))
    return [
        ("clean typed rows full of PII", "clean", _parquet(clean), (e1, e2, s1, s2), set(), 2),
        (
            "the same columns with other types (string n, int email)",
            "types_changed",
            _parquet(
                pa.table({"id": ["tc-1"], "email": pa.array([7], pa.int64()), "n": ["three"]})
            ),
            (),
            set(),
            1,
        ),
        (
            "narrower and wider numbers (int32 n, float ssn)",
            "types_promoted",
            _parquet(
                pa.table({"id": ["tp-1"], "n": pa.array([5], pa.int32()), "ssn": pa.array([1.5])})
            ),
            (),
            set(),
            1,
        ),
        (
            "nested, dictionary, timestamp, decimal and NaN columns",
            "nested",
            _parquet(
                pa.table(
                    {
                        "id": ["ne-1", "ne-2"],
                        "s": [{"card": c1, "k": 1}, None],
                        "l": [[1, 2], []],
                        "d": pa.array(["a", "b"]).dictionary_encode(),
                        "ts": pa.array([0, 2**62], pa.timestamp("ns")),
                        "dec": pa.array([1, 2], pa.decimal128(38, 2)),
                        "f": [float("nan"), float("inf")],
                    }
                )
            ),
            (c1,),
            set(),
            2,
        ),
        (
            "columns equal up to case and a record_id column",
            "case_columns",
            _parquet(pa.table({"id": ["cc-1"], "Email": [c2], "email": ["x"], "record_id": ["r"]})),
            (c2,),
            set(),
            1,
        ),
        (
            "a column named twice: every row refused",
            "duplicate_column",
            _parquet(
                pa.Table.from_arrays(
                    [pa.array(["dc-1"]), pa.array([e1]), pa.array([e2])],
                    names=["id", "email", "email"],
                )
            ),
            (e1, e2),
            {"duplicate_column"},
            0,
        ),
        (
            "a column named with an e-mail address",
            "pii_column",
            _parquet(pa.table({"id": ["pc-1"], e3: ["yes"]})),
            (e3,),
            {"value_like_name"},
            0,
        ),
        (
            "a timestamp Python cannot represent (35 million years on)",
            "far_timestamp",
            _parquet(pa.table({"id": ["ft-1"], "ts": pa.array([2**50], pa.timestamp("s"))})),
            (),
            {"unreadable_file"},
            0,
        ),
        ("a Parquet file with no rows", "zero_rows", _parquet(clean.slice(0, 0)), (), set(), 0),
        (
            "a Parquet file cut in half",
            "truncated",
            whole[: len(whole) // 2],
            (e3,),
            {"unreadable_file"},
            0,
        ),
        (
            "a CSV file named .parquet",
            "not_parquet",
            f"id,email\nx,{e3}\n".encode(),
            (e3,),
            {"unreadable_file"},
            0,
        ),
        ("an empty file", "empty", b"", (), {"unreadable_file"}, 0),
    ]


def _txt_files() -> list[tuple[str, str, bytes, tuple[str, ...], set[str], int | None]]:
    e1, s1, _ = _pii(31)
    return [
        (
            "a document with PII",
            "clean",
            f"Write to {e1}.\r\nSSN {s1}\r".encode(),
            (e1, s1),
            set(),
            1,
        ),
        (
            "a document that is not UTF-8",
            "latin1",
            f"caf\xe9 {e1}".encode("latin-1"),
            (e1,),
            {"invalid_utf8"},
            0,
        ),
        ("an empty document", "empty", b"", (), set(), 1),
    ]


_BUILDERS: dict[
    str, Callable[[], list[tuple[str, str, bytes, tuple[str, ...], set[str], int | None]]]
] = {
    "csv": _csv_files,
    "jsonl": _jsonl_files,
    "parquet": _parquet_files,
    "txt": _txt_files,
}


def write_hostile_corpus(folder: Path, fmt: str) -> list[HostileFile]:
    """Write every hostile file of ``fmt`` into ``folder`` (created) and describe each.

    Args:
        folder: where to write; the files are named ``<case>.<fmt>``.
        fmt: ``csv``, ``jsonl``, ``parquet`` or ``txt``.

    Returns:
        One :class:`HostileFile` per file written, in name order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for case, name, data, planted, reasons, records in _BUILDERS[fmt]():
        path = folder / f"{name}.{fmt}"
        path.write_bytes(data)
        files.append(HostileFile(path, fmt, case, planted, frozenset(reasons), records))
    return sorted(files, key=lambda f: f.path.name)
