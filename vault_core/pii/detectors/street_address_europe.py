"""Street addresses in European forms: a street-type word before the name ("Via Franscini 71",
"12 rue de la Paix", "ul. Filtrowa 70"), a compound street name with its type as a suffix and a
house number after it ("Hauptstraße 5", "Puruntie 82", "Kerkstraat 12"), and unit lines
("Apt. 774", "Suite 605", "P.O. Box 255"; ``UnitLine``).

The street forms are one detector, searched only in the few texts holding one (see
:mod:`vault_core.pii.scan.match_gate`); unit lines, common in US addresses, are scanned in every
text. The street-type words are the generic ones of each language, not names of streets.
"""

from __future__ import annotations

from vault_core.pii.detectors._pattern import PatternDetector
from vault_core.pii.detectors._shared import NUMBER_EDGE

# Street-type words written before the name: IT, ES, PT, FR, PL, CZ/SK, SI/HR, RO, GR (Latin).
_TYPE_FIRST = (
    r"(?:Via|Viale|Vicolo|Piazza|Piazzale|Corso|Largo|Calle|Avenida|Avda\.|Av\.|Paseo|Plaza"
    r"|Carrer|Camino|Carretera|Ronda|Rua|R\.|Travessa|Praça|Rue|Avenue|Boulevard|Bd|Chemin"
    r"|Allée|Impasse|Quai|Route|Place|Cours|ul\.|ulica|Ulica|al\.|Aleja|Plac|Osiedle|os\.|Trg"
    r"|Strada|Calea|Bulevardul|Odos|Leoforos|rue|avenue|boulevard|chemin|allée|impasse|quai"
    r"|route|place|cours|via|calle|rua)"
)
# Particles between a type word and the name ("rue de la Paix", "Via del Corso").
_PARTICLES = r"(?:(?:de|del|della|delle|dei|di|da|do|dos|das|la|le|les|des|du|d'|l'|y) ?){0,2}"
# Suffixes of compound street names: DE/AT/CH, NL/BE, DK/NO/SE, FI, EE, HU, PL/CZ/SK/SI/HR.
_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ufer|steig|pfad|chaussee|markt"
    r"|straat|laan|gracht|plein|kade|dijk|steenweg|singel|dreef|hof"
    r"|gade|vej|vænget|allé|alléen|torv|veien|vei|veg|vegen|gata|gatan|vägen|väg|gränd|stig"
    r"|tie|katu|kuja|polku|kaari|rinne|tanhua|raitti"
    r"|tee|puiestee|utca|út|tér|ulice|cesta|ulica|náměstí|trg)"
)
# Latin letters with their accents (U+00C0-U+024F), unbounded: a bounded name ({0,24}) let the
# detector be scanned near digit runs only, but its regex grew so large (and a Unicode \w
# beyond Rust's size limit) that the scan cost three times the whole-text scan of this one.
_LETTER = "[A-Za-z\u00c0-\u024f'-]"
_NAME = rf"[A-Z]{_LETTER}*"
_NUMBER = r"[0-9]{1,4}[A-Za-z]?"

DETECTORS = (
    PatternDetector(
        "EuropeanStreetAddress", "LOCATION",
        # A number, a type word, the name, perhaps a number: "12 rue de la Paix".
        rf"[0-9]{{1,5}},? {_TYPE_FIRST} {_PARTICLES}{_NAME}(?: {_NAME}){{0,3}}(?: {_NUMBER})?"
        # A type word, the name, a number: "Via Franscini 71".
        rf"|{_TYPE_FIRST} {_PARTICLES}{_NAME}(?: {_NAME}){{0,3}},? {_NUMBER}"
        # A name ending in a street type, a number: "Hauptstraße 5", "7766 Zistelweg 32".
        rf"|(?:[0-9]{{1,5}} )?{_NAME}{_SUFFIX} {_NUMBER}",
        # Rare, unbounded and run by Hyperscan exactly: searched only in the texts holding a
        # match (see vault_core.pii.scan.match_gate).
        0.8, lead=r"[\w.-]", trail=NUMBER_EDGE, rare=True,
    ),
    PatternDetector(
        # Unit lines and post boxes: common in US addresses, so scanned by polars; their
        # literals first make the scan ~7x cheaper than the street forms'.
        "UnitLine", "LOCATION",
        r"(?:Apt\.|Apartment|Suite|Unit|Flat) [0-9]{1,5}[A-Z]?|P\.? ?O\.? Box [0-9]{1,6}",
        0.8, lead=r"[\w.-]", trail=NUMBER_EDGE, lead_after=True,
    ),
)  # fmt: skip
