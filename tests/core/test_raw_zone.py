"""Sealing streamed batches: records and rejects in one put give what sealing them apart gives."""

from __future__ import annotations

from pathlib import Path

import fsspec

from vault_core.crypto import LocalKeyring
from vault_core.ingest import ingest_stream
from vault_core.raw_zone import open_object, seal_batch, seal_rejects, seal_stream_batch
from vault_core.storage import ContentAddressedStore

KEY = bytes(range(32))


def _store(root: Path) -> ContentAddressedStore:
    keyring = LocalKeyring(root / "keys" / "keyring.json", "secret", scrypt_n=2**4)
    return ContentAddressedStore(str(root / "cas"), provider=keyring)


def test_when_a_batch_is_sealed_at_once_then_manifest_and_quarantine_match_sealing_apart(
    tmp_path: Path,
) -> None:
    with fsspec.open("memory://seal/a.jsonl", "wb") as handle:
        handle.write(b'{"t": "b"}\n{"t": "a"}\nnot json\n{"t": "a"}\n{"t": "c", "u": "1"}\n')
    (batch,) = ingest_stream(["memory://seal/a.jsonl"], "jsonl", record_key=KEY)
    store = _store(tmp_path)
    apart = seal_batch(store, "ds", batch.records, batch.origins)
    apart_rejects = seal_rejects(store, "ds", batch.rejects)
    manifest, quarantine = seal_stream_batch(
        store, "ds", batch.records, batch.origins, batch.rejects
    )
    assert manifest.equals(apart)
    assert quarantine.equals(apart_rejects)
    by_id = dict(zip(batch.origins["record_id"].to_pylist(),
                     batch.origins["source_line"].to_pylist(), strict=True))  # fmt: skip
    assert manifest["source_line"].to_pylist() == [
        by_id[record_id] for record_id in manifest["record_id"].to_pylist()
    ]
    assert open_object(store, manifest["object_address"][0].as_py()).equals(batch.records)
    assert sorted(quarantine["reason"].to_pylist()) == ["duplicate", "invalid_json"]


def test_when_a_batch_has_only_rejects_then_its_manifest_is_empty(tmp_path: Path) -> None:
    with fsspec.open("memory://seal/b.jsonl", "wb") as handle:
        handle.write(b"[1]\n")
    (batch,) = ingest_stream(["memory://seal/b.jsonl"], "jsonl", record_key=KEY)
    manifest, quarantine = seal_stream_batch(
        _store(tmp_path), "ds", batch.records, batch.origins, batch.rejects
    )
    assert manifest.num_rows == 0
    assert quarantine["reason"].to_pylist() == ["not_an_object"]
