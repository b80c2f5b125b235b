"""US street addresses: a house number, capitalised words and a USPS street suffix."""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

# USPS Publication 28 street suffixes (common ones) and their standard abbreviations.
_STREET_SUFFIX = (
    r"(?:Alley|Avenue|Ave|Boulevard|Blvd|Branch|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape"
    r"|Causeway|Centers?|Circles?|Cir|Cliffs?|Club|Common|Corners?|Course|Courts?|Ct|Coves?"
    r"|Creek|Crescent|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Drives?|Dr|Estates?"
    r"|Expressway|Extensions?|Falls?|Ferry|Fields?|Flats?|Fords?|Forest|Forges?|Forks?|Fort"
    r"|Freeway|Gardens?|Gateway|Glens?|Greens?|Groves?|Harbors?|Haven|Heights|Highway|Hwy"
    r"|Hills?|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?|Knolls?|Lakes?|Land|Landing|Lane|Ln"
    r"|Lights?|Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews|Mills?|Mission|Motorway"
    r"|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Parkways?|Pkwy|Pass|Passage|Path"
    r"|Pike|Pines?|Place|Pl|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch|Rapids?"
    r"|Rest|Ridges?|River|Roads?|Rd|Route|Row|Rue|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?"
    r"|Squares?|Sq|Station|Stravenue|Stream|Streets?|St|Summit|Terrace|Throughway|Trace"
    r"|Track|Trafficway|Trail|Tunnel|Turnpike|Underpass|Unions?|Valleys?|Via|Viaduct|Views?"
    r"|Villages?|Ville|Vista|Walks?|Wall|Ways?|Wells?)"
)

DETECTORS = (
    PatternDetector(
        "StreetAddress", "LOCATION",
        rf"[0-9]{{1,6}}(?: [NSEW]\.?)? (?:[A-Z][A-Za-z'-]+ ){{1,3}}{_STREET_SUFFIX}\b\.?"
        # An ASCII unit number: a Unicode class here tripled the detector's scan time.
        r"(?: (?:Apt\.|Suite|Unit|#) ?[A-Za-z0-9_-]+)?",
        0.9, lead=NUMBER_EDGE, trail=NUMBER_EDGE,
        retreat=True,
    ),
)  # fmt: skip
