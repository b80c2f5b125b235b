"""The registered stage: register the anonymized table, every partition as its last run left it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from vault_core import __version__
from vault_core import partition_tables as ptables
from vault_core.dataset import DatasetSpec
from vault_core.digest import combine_digests, schema_fingerprint
from vault_core.registry import (
    DIGEST_ANNOTATION,
    PARTITION_FILES_DIGEST,
    ZONE_ANNOTATION,
    Provenance,
    RegistryRecord,
    VersionCandidate,
)
from vault_core.stages._common import StageNotRunError, _options, code_version, states
from vault_core.tables import open_dataset
from vault_core.vault import Vault, Zone


@dataclass(frozen=True)
class RegisterResult:
    """The registry record of this run and whether it is a new version."""

    record: RegistryRecord
    created: bool
    upstream: dict[str, str] = field(default_factory=dict)
    files_vacuumed: int = 0
    """Delta files older than the dataset's retention removed from its tables."""


def register(
    vault: Vault,
    spec: DatasetSpec,
    *,
    upstream: dict[str, str],
    run_id: str | None = None,
    provenance: Provenance | None = None,
    checks: dict[str, bool] | None = None,
    check_severities: dict[str, str] | None = None,
) -> RegisterResult:
    """Register the anonymized table, every partition as its last run left it, as a dataset
    version (a no-op when nothing changed). New partitions are new data: a minor version.

    ``provenance`` (run, upstream materializations, source files), ``checks`` (asset check
    results of this run) and their severities come from the orchestrator; they are stored, not
    compared.
    """
    store = states(vault, spec)
    anonymized = store.all("anonymized")
    if not anonymized:
        raise StageNotRunError(spec.name, "anonymized", "any")
    raws = store.all("raw")
    findings = store.all("pii_findings")
    url = vault.table_url(spec.name, "anonymized")
    options = _options(vault)
    schema = open_dataset(url, storage_options=options).schema
    by_type: Counter[str] = Counter()
    for state in findings:
        by_type.update(state.counts["by_type"])
    partitions = {state.partition: state.data_version for state in anonymized}
    candidate = VersionCandidate(
        name=spec.name,
        data_version=ptables.combine_partitions(partitions),
        code_version=code_version(spec, "anonymized"),
        schema_fingerprint=schema_fingerprint(schema),
        row_count=sum(state.rows for state in anonymized),
        storage_url=url,
        delta_version=max(state.delta_version for state in anonymized),
        pii_summary=dict(sorted(by_type.items())),
        key_ids=sorted({key for state in raws for key in state.counts["key_ids"]}),
        upstream=upstream,
        run_id=run_id,
        owner=spec.owner,
        tags=spec.tags,
        annotations={
            ZONE_ANNOTATION: "anonymized",
            "policy": spec.policy.name,
            DIGEST_ANNOTATION: PARTITION_FILES_DIGEST,
        },
        checks=checks or {},
        check_severities=check_severities or {},
        provenance=provenance or Provenance(run_id=run_id),
        policy_digest=spec.policy.digest(),
        partitions=partitions,
        # What the policy was applied to: an unchanged input with another policy is a patch.
        input_version=combine_digests(
            {
                "records": combine_digests({s.partition: s.data_version for s in raws}),
                "findings": combine_digests({s.partition: s.data_version for s in findings}),
                "vault": __version__,
            }
        ),
    )
    record, created = vault.registry.register(candidate)
    return RegisterResult(record, created, upstream, vacuum(vault, spec))


ZONES: tuple[Zone, ...] = (
    "raw_manifest", "quarantine", "pii_findings", "anonymized", "subject_index"
)  # fmt: skip


def vacuum(vault: Vault, spec: DatasetSpec) -> int:
    """Remove the Delta files of ``spec``'s tables that no version newer than its
    ``retention_hours`` uses; return how many.

    Runs once per registration, not per partition: listing four tables' files after every
    partition cost more than the partition's own write. A run that pinned a version older than
    the retention (another run still reading it) can lose its files: keep the retention longer
    than the longest run.
    """
    return sum(
        ptables.vacuum(vault.table_url(spec.name, zone), spec.retention_hours, _options(vault))
        for zone in ZONES
    )
