"""The demo datasets: synthetic support tickets and customers landing under the vault home."""

from __future__ import annotations

from typing import Any

from vault_core.dataset import DatasetSpec
from vault_core.pii import PRESETS, Generalize, Policy, Surrogate, Token
from vault_core.settings import VaultSettings
from vault_demo.synthetic import TICKET_DAYS, CorpusSummary, generate_corpus

CUSTOMERS_POLICY = Policy(
    name="customers-pseudonymized",
    default=Token(),
    columns={
        "full_name": Surrogate(),
        "email": Surrogate(),
        "phone": Surrogate(),
        "credit_card": Surrogate(),
        "street_address": Surrogate(),
        "city": Surrogate(),
        "birth_date": Generalize(date="year"),
        "zip_code": Generalize(zip_digits=3),
    },
)
"""Structured columns get consistent realistic fakes (they still join across datasets); the
free-text ``notes`` get keyed tokens, which the no-PII-left check does not mistake for PII."""


def demo_datasets(
    landing_url: str, storage_options: dict[str, Any] | None = None
) -> list[DatasetSpec]:
    """Support tickets (free text, partitioned by day) and customers (structured PII columns,
    one table) under ``landing_url`` (read with ``storage_options``, e.g. the home's)."""
    options = dict(storage_options or {})
    return [
        DatasetSpec(
            name="tickets",
            # One folder a day, one daily partition each: the demo shows partitions in the UI.
            source=f"{landing_url}/tickets/{{date}}/*.jsonl",
            format="jsonl",
            partitioning="daily",
            partition_start=TICKET_DAYS[0],
            text_columns=["subject", "body"],
            passthrough_columns=["ticket_id", "created_at", "channel", "priority"],
            required_columns=["ticket_id", "body"],
            policy=PRESETS["default"],
            description="Support tickets with free-text bodies.",
            storage_options=options,
            owner="data-platform@example.com",
            tags={"domain": "support"},
        ),
        DatasetSpec(
            name="customers",
            source=f"{landing_url}/customers/*.csv",
            format="csv",
            text_columns=["notes"],
            entity_columns={
                "full_name": "PERSON",
                "email": "EMAIL_ADDRESS",
                "phone": "PHONE_NUMBER",
                "street_address": "LOCATION",
                "city": "LOCATION",  # a city is identifying (HIPAA: below state level)
                "zip_code": "ZIP_CODE",
                "birth_date": "DATE_TIME",
                "credit_card": "CREDIT_CARD",
            },
            passthrough_columns=["customer_id", "signup_date"],
            required_columns=["customer_id"],
            policy=CUSTOMERS_POLICY,
            description="Customer master data with structured PII columns.",
            storage_options=options,
            owner="data-platform@example.com",
            tags={"domain": "crm"},
        ),
    ]


def prepare_landing(
    settings: VaultSettings, *, tickets: int = 3000, customers: int = 2500
) -> CorpusSummary:
    """Write the synthetic corpus (fixed seed, so a rerun changes nothing)."""
    return generate_corpus(
        settings.landing_url,
        tickets=tickets,
        customers=customers,
        storage_options=settings.storage_options or None,
    )
