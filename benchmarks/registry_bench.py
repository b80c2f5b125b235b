"""Registry benchmark: lineage and incremental sync over 10,000 materializations, each beside the
equivalent raw Dagster instance query measured in the same run (`make bench-registry`).

A real SQLite-backed DagsterInstance in a temporary folder receives 25 datasets x 100 versions x 4
assets (raw -> pii_findings -> anonymized -> registered) as runless materializations carrying the
same tags and registry metadata as the dataset factory. Timings are noisy on a shared machine; the
ratios measured in the same run are what to compare.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from vault_core.registry import AssetVersion, Provenance, Registry, UpstreamRef
from vault_pipelines.factory import RECORD_METADATA_KEY
from vault_pipelines.registry_sync import RegistrySync

DATASETS, VERSIONS = 25, 100
STAGES = ("raw", "pii_findings", "anonymized", "registered")
REPO = Path(__file__).resolve().parents[1]


def _materialize(instance: dg.DagsterInstance, ds: str, v: int, previous: dict[str, int]) -> None:
    """One version of one dataset: four materializations linked by input event pointers."""
    refs: list[UpstreamRef] = []
    for i, stage in enumerate(STAGES):
        key = dg.AssetKey([ds, stage])
        data_version = f"b3:{ds}-{stage}-{v:04d}"
        tags = {"dagster/data_version": data_version, "dagster/code_version": "1"}
        if i:
            up = dg.AssetKey([ds, STAGES[i - 1]])
            tags[f"dagster/input_event_pointer/{up.to_user_string()}"] = str(
                previous[up.to_user_string()]
            )
            tags[f"dagster/input_data_version/{up.to_user_string()}"] = refs[-1].data_version
        metadata: dict[str, object] = {}
        if stage == "raw":
            metadata["source_files"] = dg.MetadataValue.json({f"/landing/{ds}/{v}.csv": f"b3:f{v}"})
        if stage == "registered":
            record = AssetVersion(
                name=ds,
                version=f"1.{v}.0",
                data_version=refs[-1].data_version,
                code_version="1",
                schema_fingerprint="b3:s",
                row_count=1000 + v,
                storage_url=f"/vault/{ds}/anonymized",
                delta_version=v,
                pii_summary={"EMAIL_ADDRESS": v},
                provenance=Provenance(run_id=f"run-{ds}-{v}", upstream=refs),
                checks={"no_pii_left": True},
            )
            metadata[RECORD_METADATA_KEY] = dg.MetadataValue.json(record.model_dump(mode="json"))
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=key, metadata=metadata, tags=tags)  # type: ignore[arg-type]
        )
        storage_id = instance.fetch_materializations(key, limit=1).records[0].storage_id
        previous[key.to_user_string()] = storage_id
        sources = {f"/landing/{ds}/{v}.csv": f"b3:f{v}"} if stage == "raw" else {}
        refs.append(
            UpstreamRef(
                asset=key.to_user_string(),
                data_version=data_version,
                storage_id=storage_id,
                run_id=f"run-{ds}-{v}",
                source_files=sources,
            )
        )


def _raw_lineage(instance: dg.DagsterInstance, ds: str, version: str) -> list[str]:
    """The same question asked of the instance: find the registered materialization of a semver
    (no tag filter: page through its records), then follow input event pointers upstream."""
    key = dg.AssetKey([ds, "registered"])
    found = None
    cursor = None
    while found is None:
        result = instance.fetch_materializations(key, limit=100, cursor=cursor)
        for rec in result.records:
            meta = rec.asset_materialization.metadata if rec.asset_materialization else {}
            value = meta.get(RECORD_METADATA_KEY)
            if value is not None and value.value["version"] == version:
                found = rec
                break
        if found is None and not result.has_more:
            raise LookupError(version)
        cursor = result.cursor
    chain = [found]
    for stage in reversed(STAGES[:-1]):
        tags = chain[-1].asset_materialization.tags or {}
        upstream = [v for k, v in tags.items() if k.startswith("dagster/input_event_pointer/")]
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=dg.AssetKey([ds, stage]), storage_ids=[int(upstream[0])]
            ),
            limit=1,
        ).records
        chain.append(records[0])
    return [str(r.run_id) for r in chain]


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    try:
        shutil.copy(REPO / "dagster.yaml", workdir / "dagster.yaml")
        with dg.DagsterInstance.from_config(str(workdir)) as instance:
            started = time.perf_counter()
            previous: dict[str, int] = {}
            for v in range(VERSIONS):
                for d in range(DATASETS):
                    _materialize(instance, f"ds{d:02d}", v, previous)
            total = DATASETS * VERSIONS * len(STAGES)
            print(f"setup: {total} materializations in {time.perf_counter() - started:.1f}s")

            registry = Registry.open(str(workdir / "registry" / "versions"))
            full = RegistrySync(instance, registry).run()
            print(
                f"full sync: {full.materializations} registered materializations read, "
                f"{full.inserted} records, {full.seconds:.2f}s"
            )

            rng = random.Random(7)
            picks = [
                (f"ds{rng.randrange(DATASETS):02d}", f"1.{rng.randrange(VERSIONS)}.0")
                for _ in range(50)
            ]
            fresh = Registry.open(registry.url)
            t = time.perf_counter()
            fresh.lineage(*picks[0])
            cold = time.perf_counter() - t
            ours, raw = [], []
            for ds, version in picks:
                t = time.perf_counter()
                lineage = fresh.lineage(ds, version)
                ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                run_ids = _raw_lineage(instance, ds, version)
                raw.append(time.perf_counter() - t)
                assert set(run_ids) <= lineage.run_ids | {""}, (run_ids, lineage.run_ids)
            print(
                f"lineage (registry): {_ms(ours)}; first call incl. index load {cold * 1000:.0f} ms"
            )
            print(f"lineage (raw Dagster: page records + follow input pointers): {_ms(raw)}")
            ratio = statistics.median(raw) / statistics.median(ours)
            print(f"  ratio raw/registry (median): {ratio:.0f}x")

            for v in range(VERSIONS, VERSIONS + 1):
                for d in range(DATASETS):
                    _materialize(instance, f"ds{d:02d}", v, previous)
            incremental = RegistrySync(instance, registry).run()
            t = time.perf_counter()
            for key in instance.get_asset_keys():
                if key.path[-1] == "registered":
                    instance.fetch_materializations(
                        dg.AssetRecordsFilter(
                            asset_key=key, after_storage_id=full.cursor[key.to_user_string()]
                        ),
                        limit=1000,
                    )
            raw_incremental = time.perf_counter() - t
            noop = RegistrySync(instance, registry).run()
            print(
                f"incremental sync: {incremental.materializations} new of "
                f"{total + DATASETS * len(STAGES)} ({incremental.inserted} records) in "
                f"{incremental.seconds:.3f}s = {incremental.seconds / full.seconds:.1%} of the "
                f"full sync for {incremental.materializations / full.materializations:.1%} of "
                "the records"
            )
            print(f"  raw Dagster query of the same new records: {raw_incremental:.3f}s")
            print(f"  no-op sync (nothing new): {noop.seconds:.3f}s")
            ok = statistics.median(ours) < 0.05 and max(ours) < 0.05
            print("lineage < 50 ms:", "yes" if ok else "NO")
            return 0 if ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
