"""US ZIP codes (ZIP+4 too): weak alone, strong after a state or near "zip"/"postal"."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

_US_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia"
    "|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts"
    "|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey"
    "|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania"
    "|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington"
    "|West Virginia|Wisconsin|Wyoming|[A-Z]{2}"
)

DETECTORS = (
    PatternDetector(
        "ZipCode", "ZIP_CODE",
        r"[0-9]{5}(?:-[0-9]{4})?",
        0.2, lead=NUMBER_EDGE, trail=NUMBER_EDGE, context=("zip", "postal", "postcode"),
        before=rf"(?:{_US_STATES}),? ",
    ),
)  # fmt: skip
