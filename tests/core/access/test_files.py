"""Policy, principals and datasets files: a bad file is a typed error naming its line, and
nothing is allowed while it is bad (fail closed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault_core.access import (
    AccessPolicy,
    DatasetCatalog,
    DatasetsFileError,
    PolicyFileError,
    PrincipalsFileError,
    read_principals,
)
from vault_core.access.policy import default_policy_text
from vault_core.vault import Vault

GOOD = default_policy_text()
LINES = len(GOOD.splitlines())
TENANT_LINE = 1 + next(
    i
    for i, line in enumerate(GOOD.splitlines())
    if "principal.tenant == resource.tenant };" in line
)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD + "\n\n// broken\npermit (principal action, resource);\n", LINES + 4, "syntax"),
        (GOOD.replace('"dataset:read_raw"', '"dataset:red"', 1), 15, "unrecognized action"),
        (
            GOOD + '\n@id("x")\nforbid (principal, action, resource is Vault::Dataset)\n'
            "  when { principal.nosuch == 1 };\n",
            LINES + 2,
            "attribute `nosuch`",
        ),
        (
            GOOD.replace(
                "principal.tenant == resource.tenant };", "principal.tenant == resource.tenant ;", 1
            ),
            TENANT_LINE,
            "syntax",
        ),
        (
            GOOD + "\npermit (principal, action, resource) when { context.purpose > 3 };\n",
            LINES + 2,
            "schema",
        ),
    ],
)
def test_when_policy_is_bad_then_error_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        AccessPolicy.from_text(text, "policy.cedar")
    assert caught.value.line == line
    assert words in str(caught.value)
    assert f"policy.cedar, line {line}" in str(caught.value)


def test_when_policy_file_is_broken_then_the_vault_allows_nothing(tmp_path: Path) -> None:
    vault = Vault.open(str(tmp_path), master_secret="s" * 32)
    assert vault.principal.roles == ("admin",)  # the first open names its OS user admin
    policy = tmp_path / "access" / "policy.cedar"
    policy.write_text(policy.read_text() + "\npermit (principal, action, resource) when {\n")
    with pytest.raises(PolicyFileError):
        Vault.open(str(tmp_path), master_secret="s" * 32).load("customers")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "principals:\n  - id: alice\n    roles: [admin]\n  - id: bob\n    roles: [boss]\n",
            5,
            "roles.0",
        ),
        ("principals:\n  - id: alice\n    roles: []\n", 3, "roles"),
        ("principals:\n  - id: alice\n    roles: [user]\n    tenant: Not A Tenant\n", 4, "tenant"),
        ("principals:\n  - id: alice\n    roles: [user]\n    salary: 3\n", 4, "salary"),
        ("principals:\n  - id: alice\n    roles: [user\n", 4, "YAML"),
        ("principals:\n  - {id: a, roles: [user]}\n  - {id: a, roles: [admin]}\n", 1, "twice"),
    ],
)
def test_when_principals_file_is_bad_then_error_names_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "principals.yaml"
    path.write_text(text)
    with pytest.raises(PrincipalsFileError) as caught:
        read_principals(str(path))
    assert caught.value.line == line
    assert words in str(caught.value)
    assert "Not A Tenant" not in str(caught.value)  # the rule is named, not the value


def test_when_datasets_file_is_bad_then_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "datasets.yaml"
    path.write_text("datasets:\n  customers:\n    tenant: acme\n    classification: secret\n")
    with pytest.raises(DatasetsFileError) as caught:
        DatasetCatalog(str(path)).get("customers")
    assert caught.value.line == 4
