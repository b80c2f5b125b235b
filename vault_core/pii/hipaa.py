"""The 18 HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and the entities that find them.

An identifier with no entity type cannot be found in free text by this engine; declare the
column that holds it and give it a column operator (``Policy.columns``) instead.
"""

from __future__ import annotations

NATIONAL_ID_TYPES: tuple[str, ...] = (
    "UK_NINO",
    "ES_NIF",
    "ES_NIE",
    "IT_FISCAL_CODE",
    "FR_NIR",
    "DE_TAX_ID",
    "NL_BSN",
    "PL_PESEL",
    "SE_PERSONNUMMER",
    "FI_PERSONAL_IDENTITY_CODE",
    "IN_AADHAAR",
    "IN_PAN",
    "AU_TFN",
    "CA_SIN",
    "SG_NRIC_FIN",
    "BR_CPF",
)
"""Government-issued personal identifiers of other countries (checksummed; see
``vault_core.pii.detectors``), outside the health ones (UK_NHS, AU_MEDICARE)."""

HIPAA_SAFE_HARBOR_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "A. Names": ("PERSON",),
    "B. Geographic subdivisions smaller than a state (street, city, county, zip)": (
        "LOCATION",
        "ZIP_CODE",
    ),
    "C. Dates (except year) related to an individual; ages over 89": ("DATE_TIME", "AGE"),
    "D. Telephone numbers": ("PHONE_NUMBER",),
    "E. Fax numbers": ("PHONE_NUMBER",),
    "F. Email addresses": ("EMAIL_ADDRESS",),
    "G. Social security numbers": ("US_SSN", "US_ITIN"),
    "H. Medical record numbers": (),
    "I. Health plan beneficiary numbers": ("UK_NHS", "AU_MEDICARE"),
    "J. Account numbers": ("US_BANK_NUMBER", "IBAN_CODE", "CREDIT_CARD", "ABA_ROUTING_NUMBER"),
    "K. Certificate/license numbers": ("US_DRIVER_LICENSE", "US_PASSPORT"),
    "L. Vehicle identifiers and serial numbers, including license plates": (),
    "M. Device identifiers and serial numbers": ("MAC_ADDRESS",),
    "N. Web URLs": ("URL",),
    "O. IP addresses": ("IP_ADDRESS",),
    "P. Biometric identifiers, including finger and voice prints": (),
    "Q. Full-face photographs and comparable images": (),
    "R. Any other unique identifying number, characteristic, or code": NATIONAL_ID_TYPES,
}
"""Identifier → entity types detected for it; ``()`` means column-level handling only."""
