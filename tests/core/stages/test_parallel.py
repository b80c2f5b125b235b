"""A partition task runs in a worker process as the step's principal and purpose, not as
whoever owns the worker process."""

from __future__ import annotations

from pathlib import Path

from vault_core.access import Principal, PrincipalsFile, write_principals
from vault_core.dataset import DatasetSpec
from vault_core.settings import VaultSettings
from vault_core.stages import parallel
from vault_core.stages.parallel import PartitionTask


def _acting(task: PartitionTask) -> tuple[str, str | None]:
    vault = parallel._vault_for(task)
    return vault.principal.id, vault.purpose


def test_when_a_task_names_a_principal_then_the_worker_acts_as_them(tmp_path: Path) -> None:
    settings = VaultSettings(home=str(tmp_path / "home"))
    people = [Principal(id="bot", roles=("developer",)), Principal(id="kim", roles=("user",))]
    write_principals(f"{settings.home}/access/principals.yaml", PrincipalsFile(principals=people))
    spec = DatasetSpec(name="chats", source=str(tmp_path / "*.jsonl"), format="jsonl")
    pool = parallel.process_pool(2)
    tasks = [
        PartitionTask("raw", settings, spec, "p", principal=who, purpose=purpose)
        for who, purpose in (("bot", None), ("kim", "training"))
    ]
    assert list(pool.map(_acting, tasks)) == [("bot", None), ("kim", "training")]
