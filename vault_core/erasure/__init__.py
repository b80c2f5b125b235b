"""Right to erasure: erase one person's records by identifiers, with a receipt; delete whole
datasets. Reached through :meth:`vault_core.vault.Vault.erase` and
:meth:`~vault_core.vault.Vault.delete_dataset`."""

from vault_core.erasure.erase import check_readable as check_readable
from vault_core.erasure.erase import erased_before as erased_before
from vault_core.erasure.erase import verify as verify
from vault_core.erasure.exceptions import DataErasedError as DataErasedError
from vault_core.erasure.exceptions import DatasetDeletedError as DatasetDeletedError
from vault_core.erasure.exceptions import ErasureError as ErasureError
from vault_core.erasure.exceptions import ErasureRequestError as ErasureRequestError
from vault_core.erasure.receipt import DatasetErasure as DatasetErasure
from vault_core.erasure.receipt import ErasureReceipt as ErasureReceipt
from vault_core.erasure.receipt import Verification as Verification
from vault_core.erasure.receipt import ZoneCounts as ZoneCounts

__all__ = [
    "DataErasedError",
    "DatasetDeletedError",
    "DatasetErasure",
    "ErasureError",
    "ErasureReceipt",
    "ErasureRequestError",
    "Verification",
    "ZoneCounts",
    "check_readable",
    "erased_before",
    "verify",
]
