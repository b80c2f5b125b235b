"""Ingestion: landing files (any fsspec storage) to Arrow records, rejects with their reasons.

:func:`ingest_stream` reads in batches (memory follows the batch); :func:`ingest` is the whole
result at once.
"""

from vault_core.ingest._schema import conform as conform
from vault_core.ingest.exceptions import ConformError as ConformError
from vault_core.ingest.exceptions import IngestError as IngestError
from vault_core.ingest.exceptions import SourceNotFoundError as SourceNotFoundError
from vault_core.ingest.exceptions import SourceUnavailableError as SourceUnavailableError
from vault_core.ingest.exceptions import StreamNotExhaustedError as StreamNotExhaustedError
from vault_core.ingest.ingest import RECORD_ID as RECORD_ID
from vault_core.ingest.ingest import FileCounts as FileCounts
from vault_core.ingest.ingest import IngestResult as IngestResult
from vault_core.ingest.ingest import Reject as Reject
from vault_core.ingest.ingest import ingest as ingest
from vault_core.ingest.readers import RejectReason as RejectReason
from vault_core.ingest.sources import SourceFile as SourceFile
from vault_core.ingest.stream import IngestBatch as IngestBatch
from vault_core.ingest.stream import IngestStream as IngestStream
from vault_core.ingest.stream import ingest_stream as ingest_stream

__all__ = [
    "RECORD_ID",
    "ConformError",
    "FileCounts",
    "IngestBatch",
    "IngestError",
    "IngestResult",
    "IngestStream",
    "Reject",
    "RejectReason",
    "SourceFile",
    "SourceNotFoundError",
    "SourceUnavailableError",
    "StreamNotExhaustedError",
    "conform",
    "ingest",
    "ingest_stream",
]
