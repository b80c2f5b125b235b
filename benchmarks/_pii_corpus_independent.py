"""A labelled PII corpus that nobody here wrote: presidio-evaluator's templates and sentence faker.

``presidio-evaluator`` (Microsoft, a dev dependency) ships ~200 template sentences
(``raw_data/templates.txt``: support tickets, letters, address blocks, news-like prose) and
``PresidioSentenceFaker``, which fills them from FakeNameGenerator.com records (people of many
countries with their local addresses and phone formats), its own providers (organizations,
nationalities, US driver licences, ages, phone formats of several countries) and Faker's en_US
providers. We only choose the seed and the number of sentences, and map its labels onto ours
(``LABELS``). Generation is deterministic and offline:

- every random source is seeded before the faker is built (the package draws full-name styles
  with the global ``random`` while it loads its records);
- Faker's dates run up to "now" by default; ``_FixedNowDates`` pins "now" to ``FIXED_NOW``, so
  values keep Faker's own formats and the corpus does not change with the clock;
- the package's ``HospitalProvider`` queries Wikidata when it loads; no template uses it, so it
  is left out (nothing else reaches the network).

Gold spans: the faker labels each filled placeholder. Placeholders of one type that touch or are
separated by spaces alone (``{{building_number}} {{street_name}}``, ``{{city}} {{country}}``)
become one span, as a person labelling the text would mark ``46 Tawastintie 3`` as one address.
Labels we never claim to detect are dropped and counted (``Corpus.dropped``).

**Never build a detector list from this generator's sources.** The values come from the
package's ``raw_data`` files (FakeNameGenerator names, streets and cities;
``companies_and_organizations.csv``; ``nationalities.csv``) and Faker's en_US lists. A gazetteer
derived from any of them would score well here and nowhere else: ``vault_core`` may not import
``presidio_evaluator`` or ``faker`` (import-linter contracts in pyproject.toml), and
``tests/benchmarks/test_pii_corpus_independent.py`` checks that no file under ``vault_core``
holds a large share of those raw lists.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from _pii_corpus import Sample, Span

SEED = 1414
"""Not presidio-evaluator's own default (42): the corpus kept aside elsewhere may use that."""

FIXED_NOW = datetime(2025, 1, 1)

LABELS: dict[str, str | None] = {
    # people
    "person": "PERSON",
    "name": "PERSON",
    "name_female": "PERSON",
    "name_male": "PERSON",
    "first_name": "PERSON",
    "first_name_female": "PERSON",
    "first_name_male": "PERSON",
    "first_name_nonbinary": "PERSON",
    "last_name": "PERSON",
    "last_name_female": "PERSON",
    "last_name_male": "PERSON",
    # honorifics (Mr., Mrs., Dr.): our TITLE detector
    "prefix": "TITLE",
    "prefix_female": "TITLE",
    "prefix_male": "TITLE",
    # places: presidio-evaluator's STREET_ADDRESS and GPE are both our LOCATION
    "address": "LOCATION",
    "street_name": "LOCATION",
    "building_number": "LOCATION",
    "secondary_address": "LOCATION",
    "city": "LOCATION",
    "state": "LOCATION",
    "state_abbr": "LOCATION",
    "country": "LOCATION",
    # a postcode is its own type with us (presidio-evaluator folds it into STREET_ADDRESS)
    "postcode": "ZIP_CODE",
    "zipcode": "ZIP_CODE",
    "nationality": "NRP",
    "nation_woman": "NRP",
    "nation_man": "NRP",
    "nation_plural": "NRP",
    "organization": "ORGANIZATION",
    "phone_number": "PHONE_NUMBER",
    "email": "EMAIL_ADDRESS",
    "url": "URL",  # presidio-evaluator: DOMAIN_NAME; the values are Faker URLs
    "credit_card_number": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ssn": "US_SSN",
    "ip_address": "IP_ADDRESS",
    "us_driver_license": "US_DRIVER_LICENSE",
    "date_time": "DATE_TIME",
    "date_of_birth": "DATE_TIME",
    "day_of_week": "DATE_TIME",
    "year": "DATE_TIME",
    "age": "AGE",
    # dropped: occupations ("Surveillance officer"), which presidio-evaluator calls TITLE
    "job": None,
}
"""presidio-evaluator's placeholder names -> our entity types (None: not scored, counted)."""


@dataclass
class Corpus:
    """The sentences with gold spans in our types, and the placeholders dropped, by name."""

    samples: list[Sample]
    dropped: Counter[str] = field(default_factory=Counter)
    templates: int = 0


def _merge(spans: list[Span], text: str) -> list[Span]:
    """One span for neighbours of one type separated by nothing or spaces only."""
    merged: list[Span] = []
    for start, end, kind in sorted(spans):
        if merged:
            p_start, p_end, p_kind = merged[-1]
            gap = text[p_end:start]
            if p_kind == kind and p_end <= start and gap.strip(" ") == "":
                merged[-1] = (p_start, end, kind)
                continue
        merged.append((start, end, kind))
    return merged


def build_independent_corpus(sentences: int = 3000, seed: int = SEED) -> Corpus:
    """``sentences`` texts from presidio-evaluator's templates, reproducible for one seed."""
    os.environ.setdefault("TQDM_DISABLE", "1")  # the package's progress bar
    import numpy as np
    from faker import Faker
    from faker.providers.date_time import Provider as DateTimeProvider
    from presidio_evaluator.data_generator import PresidioSentenceFaker
    from presidio_evaluator.data_generator.faker_extensions.providers import HospitalProvider
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_additional_entity_providers,
    )

    fixed_now = int(FIXED_NOW.timestamp())

    class _FixedNowDates(DateTimeProvider):  # type: ignore[misc]
        """Faker's dates with "now" pinned, so a seed gives the same corpus every day."""

        @classmethod
        def _parse_end_datetime(cls, value: Any) -> int:
            return fixed_now if value is None else int(super()._parse_end_datetime(value))

    random.seed(seed)
    np.random.seed(seed)
    Faker.seed(seed)
    providers = [p for p in presidio_additional_entity_providers if p is not HospitalProvider]
    with contextlib.redirect_stdout(io.StringIO()):  # its notes on defaults
        faker = PresidioSentenceFaker(
            locale="en_US",
            lower_case_ratio=0.05,  # the package's documented default
            entity_providers=providers,
            entity_type_mapping={name: name for name in PresidioSentenceFaker.ENTITY_TYPE_MAPPING},
            provider_aliases=PresidioSentenceFaker.PROVIDER_ALIASES,
            random_seed=seed,
        )
        faker.add_provider(_FixedNowDates)
        faker.seed(seed)
        generated = faker.generate_new_fake_sentences(sentences)

    corpus = Corpus(samples=[], templates=len(faker._sentence_templates))
    for result in generated:
        text = result.full_text
        spans: list[Span] = []
        for span in result.spans:
            name = span.entity_type
            if name not in LABELS:
                raise KeyError(f"presidio-evaluator placeholder {name!r} has no mapping")
            kind = LABELS[name]
            if kind is None:
                corpus.dropped[name] += 1
                continue
            spans.append((span.start_position, span.end_position, kind))
        corpus.samples.append(Sample(text=text, kind="independent", spans=_merge(spans, text)))
    return corpus
