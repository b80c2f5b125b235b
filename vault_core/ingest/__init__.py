"""Ingestion: landing files (any fsspec storage) to Arrow records, rejects with their reasons."""

from vault_core.ingest.exceptions import IngestError as IngestError
from vault_core.ingest.exceptions import SourceNotFoundError as SourceNotFoundError
from vault_core.ingest.exceptions import SourceUnavailableError as SourceUnavailableError
from vault_core.ingest.ingest import RECORD_ID as RECORD_ID
from vault_core.ingest.ingest import FileCounts as FileCounts
from vault_core.ingest.ingest import IngestResult as IngestResult
from vault_core.ingest.ingest import Reject as Reject
from vault_core.ingest.ingest import ingest as ingest
from vault_core.ingest.readers import RejectReason as RejectReason
from vault_core.ingest.sources import SourceFile as SourceFile

__all__ = [
    "RECORD_ID",
    "FileCounts",
    "IngestError",
    "IngestResult",
    "Reject",
    "RejectReason",
    "SourceFile",
    "SourceNotFoundError",
    "SourceUnavailableError",
    "ingest",
]
