"""Fit the small NER model's entities to the names they stand for, and add the names it misses.

The model's spans often hold more or less than the name: a title ("Mr. Lee"), a possessive
("Lee's"), a role ("Producer Jane Doe"), the words after a dash, two names glued by a quote or
a line break, or only "Jane B." of "Jane B. Doe". Many names of non-English people come back as
organizations or places. Around the model, per entity:

1. cut at line breaks, quotes, colons, brackets and dashes between spaces (a PERSON also at
   " of ", " and ": "Jane Doe of Acme" is a person and an organization);
2. trim words that cannot begin or end a name (lower-case words, titles, greetings,
   possessives, punctuation);
3. relabel as PERSON what a title precedes or what begins with a known given name
   (:mod:`vault_core.pii.first_names`) and holds only name-like words;
4. extend a PERSON over an initial, a particle ("van der"), a surname or a suffix ("MD") after
   it, and over a known given name before it.

Then a title ("Mr.", "Dr", "Frau") before capitalised words, and a known given name before a
capitalised word, are names the model missed. Everything here reads the text only around
the model's spans: no model call, no network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence


def _word_set(words: str) -> frozenset[str]:
    """The words of a space-separated list (kept as one string for reading)."""
    return frozenset(words.split())


Entity = tuple[int, int, str]
"""``(start, end, spaCy label)`` in the text the model read."""

PERSON = "PERSON"
_ORG = "ORG"
_NAME_LABELS = frozenset({"PERSON", "PER", "ORG", "GPE", "LOC", "FAC", "NORP"})

FIRST_NAME_MIN_FREQUENCY = 2
"""A given name counts when some country uses it at least this often (1 rare .. 13)."""
_LONE_NAME_MIN_FREQUENCY = 3
"""A lone word the model called an organization or a nationality becomes a person from here."""

_TITLES = _word_set(
    "mr mrs ms mx miss dr prof sir madam dame frau herr mme mlle monsieur madame señor señora "
    "signor signora sig sr sra srta"
)
_SUFFIXES = _word_set("Jr Sr II III IV MD DDS DVM PhD Esq")
_PARTICLES = _word_set("van von der den de del della di da dos das du la le ten ter bin ibn al el")
# Legal forms and words that make a name an organization's (compared in upper case).
ORG_WORDS = _word_set(
    "INC LTD LLC LLP LP CORP CORPORATION CO COMPANY COMPANIES LIMITED GROUP HOLDINGS HOLDING "
    "BANK BANCORP BANCSHARES PLC SA AG NV BV GMBH SPA SE ASA AB OYJ KK ETF FUND FUNDS TRUST "
    "CAPITAL PARTNERS INDUSTRIES TECHNOLOGIES SYSTEMS SERVICES PHARMACEUTICALS PHARMA "
    "THERAPEUTICS UNIVERSITY COLLEGE SCHOOL HOSPITAL INSTITUTE FOUNDATION ASSOCIATION"
)
# Of those, the abbreviations written with a full stop ("Inc.", "Co.Ltd.").
_ORG_ABBREVIATIONS = _word_set("INC LTD CORP CO")
# Words that end a run of name words: organization and address words.
_NOT_NAME_WORDS = _word_set(
    "Society Club Council Ministry Department Agency Street St Road Rd Avenue Ave Lane Drive "
    "Way Court Place Square Suite Apt Apartment Floor Box Unit Building Park Station Airport "
    "River Mountain Lake North South East West Republic Kingdom States City County"
)
# Capitalised words that begin sentences or greet, never a name on their own.
_FUNCTION_WORDS = _word_set(
    "I A An The This That These Those My Our Your His Her Its Their We You He She It They Me Us "
    "Him Them Hi Hello Hey Dear Thanks Thank Please Yes No Not And But Or So If When Where What "
    "Who Why How Which There Here Then In On At For From To Of With By As After Before Is Are "
    "Was Were Be Been Do Does Did Can Could Would Should Has Have Had All Any Some Each Every "
    "Also Just OK Ok Regards Best Sincerely Note Re Fwd Subject Name User Date Phone Address "
    "Email Mail Billing Shipping Answer Question Producer Director Manager Customer Client"
)

# A word: letters, with inner hyphens and apostrophes ("Jean-Luc", "O'Brien"; "Lee's" is "Lee").
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[-'’](?=[^\W\d_]{2}))*")
# The words of _WORD.finditer that do not begin with an ASCII lower-case letter, found without
# visiting the others (most words of running text): a word starts at a letter that follows no
# letter and no hyphen or apostrophe joining it to one ("Jean-Luc"). Given names are
# capitalised, so only these need looking up; test_name_spans holds it equal to filtering
# _WORD's words.
_CANDIDATE_WORD = re.compile(
    r"(?<![^\W\d_])(?:(?<![^\W\d_][-'’])|(?![^\W\d_]{2}))"
    r"[^\W\d_a-z](?:[^\W\d_]|[-'’](?=[^\W\d_]{2}))*"
)
# What may stand around an organization's or a place's name and is not part of it.
_EDGE_JUNK = " \t\n\"'“”‘’,;:!?\\()[]{}<>|*_"
_CUT = re.compile(r"\s*(?:\n|\\n|[\"“”„:;|()\[\]{}<>]|\s[–—-]\s|[–—])\s*")
_PERSON_CUT = re.compile(r"\s+(?:of|and|&)\s+")
# Compiled once: these run for most words of every piece (re's own cache costs a lookup each).
_NUMBER_AFTER = re.compile(r"\.? ?[0-9]")
_TITLE_BEFORE = re.compile(r"(?<![\w.])(?i:" + "|".join(sorted(_TITLES)) + r")\.? $")
_GLUED_AFTER = re.compile(r"[\w@-]|\.\w")
_MID_SENTENCE_BEFORE = re.compile(r"[a-z,]\s+$")
_TITLE = re.compile(
    r"(?<![\w.])(?i:mrs|mr|ms|mx|miss|dr|prof|sir|madam|dame|frau|herr|mme|mlle|monsieur|madame)"
    r"\.?(?= [^\W\d_])"
)


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() and any(ch.islower() for ch in word)


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text, start, end)]


def _is_initial(text: str, start: int, end: int) -> bool:
    return end - start == 1 and text[start].isupper()


class NameFitter:
    """Fits entities to names, with a given-name list (capitalised name -> frequency 1..13)."""

    def __init__(
        self, first_names: Mapping[str, int], name_words: Mapping[str, float] | None = None
    ) -> None:
        self._first = first_names
        self._words = name_words or {}

    def is_lone_name(self, word: str, *, mid_sentence: bool) -> bool:
        """Whether ``word`` standing alone is a given name: a known one, used often enough
        somewhere, that is no English word ("Mark", "Hope"); mid-sentence, a rarer English word
        ("Rose", "Peter") passes, a country or a month never does."""
        if not self.is_first_name(word, _LONE_NAME_MIN_FREQUENCY):
            return False
        frequency = self._words.get(word)
        if frequency is None:
            return True
        return mid_sentence and frequency < _COMMON_WORD_ZIPF

    def is_first_name(self, word: str, minimum: int = FIRST_NAME_MIN_FREQUENCY) -> bool:
        return word not in _FUNCTION_WORDS and self._first.get(word, 0) >= minimum

    # -- runs of name words -----------------------------------------------------------------

    def _name_word(self, text: str, start: int, end: int) -> bool:
        word = text[start:end]
        return (
            _is_capitalised(word)
            and word not in _FUNCTION_WORDS
            and word not in _NOT_NAME_WORDS
            and word.upper() not in ORG_WORDS
            and word.lower() not in _TITLES
            # "Suite 364", "Apt. 9": a capitalised word before a number is an address part.
            and not _NUMBER_AFTER.match(text[end : end + 3])
        )

    def _extend(self, text: str, end: int, limit: int, *, surname: bool) -> int:
        """End of the name after ``end``: initials and particles, then (if ``surname``) one
        capitalised word, then a suffix; words separated by single spaces."""
        position = end
        pending = end
        while text.startswith(" ", position):
            match = _WORD.match(text, position + 1)
            if match is None or match.start() >= limit:
                break
            word_start, word_end = match.span()
            word = text[word_start:word_end]
            if _is_initial(text, word_start, word_end):
                word_end += text.startswith(".", word_end)
                position = pending = word_end
                continue
            if word in _PARTICLES:
                position = word_end
                continue
            if word in _SUFFIXES:
                pending = word_end + text.startswith(".", word_end)
                break
            if surname and self._name_word(text, word_start, word_end):
                pending = word_end
                surname = False
                position = word_end
                continue
            break
        return pending

    def _extend_back(self, text: str, start: int) -> int:
        match = re.search(r"([^\W\d_][\w'’-]*) $", text[max(0, start - 40) : start])
        if match is None:
            return start
        word_start = start - len(match.group(0))
        if self.is_first_name(match.group(1)) and (
            word_start == 0 or not text[word_start - 1].isalnum()
        ):
            return word_start
        return start

    # -- one entity ---------------------------------------------------------------------------

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int, bool]:
        """The span without words that cannot begin or end a name; whether a title led it."""
        titled = False
        words = _words(text, start, end)
        while words:
            word = text[words[0][0] : words[0][1]]
            if word.lower() in _TITLES:
                titled = True
            elif word not in _FUNCTION_WORDS and (
                _is_capitalised(word) or (len(word) == 1 and word.isupper() and len(words) > 1)
            ):
                break
            words.pop(0)
        while words:
            word_start, word_end = words[-1]
            word = text[word_start:word_end]
            if _is_capitalised(word) or word.rstrip(".") in _SUFFIXES:
                break
            if _is_initial(text, word_start, word_end) and len(words) > 1:
                break
            words.pop()
        if not words:
            return start, start, titled
        new_start, new_end = words[0][0], words[-1][1]
        if _is_initial(text, words[-1][0], new_end) and text.startswith(".", new_end):
            new_end += 1
        if not titled:
            before = text[max(0, new_start - 12) : new_start]
            titled = bool(_TITLE_BEFORE.search(before))
            titled = titled or bool(_NAME_CUE.search(text, max(0, new_start - 40), new_start))
        return new_start, new_end, titled

    def _person_like(self, text: str, start: int, end: int, label: str) -> bool:
        words = _words(text, start, end)
        if not words or len(words) > 4:
            return False
        first = text[words[0][0] : words[0][1]]
        minimum = FIRST_NAME_MIN_FREQUENCY if len(words) > 1 else _LONE_NAME_MIN_FREQUENCY
        # A lone word the model calls a nationality ("German") stays one; a place stays one
        # after "in", "from"... or when the word is also an English word or a country.
        if len(words) == 1 and label not in (_ORG, "PER"):
            return (
                label in _PLACE_LABELS
                and self.is_lone_name(first, mid_sentence=False)
                and self._stands_alone(text, start, end)
            )
        if not self.is_first_name(first, minimum):
            return False
        for word_start, word_end in words[1:]:
            word = text[word_start:word_end]
            if word in _PARTICLES or _is_initial(text, word_start, word_end):
                continue
            if not self._name_word(text, word_start, word_end):
                return False
        return True

    def _fit_one(self, text: str, start: int, end: int, label: str) -> list[Entity]:
        fitted: list[Entity] = []
        for piece_start, piece_end in _pieces(_CUT, start, end, text):
            pieces = [(piece_start, piece_end, label)]
            if label in (PERSON, "PER"):
                cut = list(_pieces(_PERSON_CUT, piece_start, piece_end, text))
                if len(cut) > 1:
                    joint = text[cut[0][1] : cut[1][0]].strip()
                    second = _ORG if joint == "of" else PERSON
                    pieces = [(cut[0][0], cut[0][1], PERSON)]
                    pieces += [(s, e, second) for s, e in cut[1:]]
            for part_start, part_end, kind in pieces:
                if _is_organization(text, part_start, part_end):
                    s, e = _organization(text, part_start, part_end)
                    if s < e:
                        fitted.append((s, e, _ORG))
                    continue
                if kind == _ORG:
                    nationality = _leading_nationality(text, part_start, part_end)
                    if nationality is not None:
                        fitted.append((*nationality, "NORP"))
                        part_start = nationality[1]
                s, e, titled = self._trim(text, part_start, part_end)
                if s >= e or not (
                    titled or kind in (PERSON, "PER") or self._person_like(text, s, e, kind)
                ):
                    trim = _organization if kind == _ORG else _light_trim
                    s, e = trim(text, part_start, part_end)
                    if s < e and kind not in (PERSON, "PER"):
                        fitted.append((s, e, kind))
                    continue
                words = _words(text, s, e)
                if (
                    len(words) >= 3
                    and not self.is_first_name(text[words[0][0] : words[0][1]])
                    and self.is_first_name(text[words[1][0] : words[1][1]])
                ):
                    s = words[1][0]  # "Producer Jane Doe"
                last = text[words[-1][0] : words[-1][1]]
                one_word = len(words) == 1
                s = self._extend_back(text, s) if one_word and not titled else s
                e = self._extend(text, e, len(text), surname=one_word or len(last) == 1)
                fitted.append((s, e, PERSON))
        return fitted

    # -- a text -------------------------------------------------------------------------------

    def fit(self, text: str, entities: Sequence[Entity]) -> list[Entity]:
        """The entities of ``text`` fitted to names, plus the names found beside titles, name
        cues, greetings, known given names and in lists of names; disjoint, sorted by start.
        Labels other than names pass as they are."""
        fitted: list[Entity] = []
        for start, end, label in entities:
            if label in _NAME_LABELS:
                fitted.extend(self._fit_one(text, start, end, label))
            else:
                fitted.append((start, end, label))
        # The words that may be given names, read once for both passes below; the other
        # words of a piece (most of them) are never visited in Python.
        first = self._first
        names = [m for m in _CANDIDATE_WORD.finditer(text)
                 if first.get(m.group(), 0) >= FIRST_NAME_MIN_FREQUENCY]  # fmt: skip
        fitted.extend(self._missed(text, names))
        fitted = _disjoint(fitted)
        if names:
            fitted.extend(self._lone_names(text, fitted, names))
        return self._spread_over_lists(text, _disjoint(fitted))

    def _missed(self, text: str, names: Sequence[re.Match[str]]) -> list[Entity]:
        """Names next to a title or a name cue ("my name is"), a greeted name, a speaker at the
        start of a line, and a known given name (of ``names``) before a capitalised word."""
        found: list[Entity] = []
        for pattern in (_TITLE, _NAME_CUE_ANYWHERE):
            for match in pattern.finditer(text):
                word = _WORD.match(text, match.end() + 1)
                if word is None or not self._name_word(text, *word.span()):
                    continue
                end = self._extend(text, word.end(), len(text), surname=True)
                found.append((word.start(), end, PERSON))
        for match in _GREETING.finditer(text):
            start, end = match.span(1)
            if self.is_first_name(match.group(1), 1) and self._words.get(match.group(1), 0) < 9:
                found.append((start, end, PERSON))
        found.extend(self._speakers(text))
        for word in names:
            start, end = word.span()
            if not self.is_first_name(word.group()) or (start and text[start - 1].isalnum()):
                continue
            after = _WORD.match(text, end + 1)
            if not text.startswith(" ", end) or after is None:
                continue
            name_end = self._extend(text, end, len(text), surname=True)
            if _is_organization(text, start, _next_word_end(text, name_end)):
                continue
            if name_end > end and not text[end:name_end].strip().rstrip(".").isupper():
                found.append((start, name_end, PERSON))
        return found

    def _speakers(self, text: str) -> list[Entity]:
        """Speakers of a dialogue: a name and a colon starting a line ("Leah: What a wife.").
        A known given name is one; any other name-like word is one where another line of the
        text has a known given name as its speaker."""
        lines = [
            m
            for m in _SPEAKER.finditer(text)
            if self._name_word(text, *m.span(1))
            and (m.group(2) is None or self._name_word(text, *m.span(2)))
        ]
        known = [self.is_first_name(m.group(1)) and self._words.get(m.group(1), 0) < 9
                 for m in lines]  # fmt: skip
        if not any(known):
            return []
        many = len(lines) > 1
        return [
            (m.start(1), m.end(2) if m.group(2) else m.end(1), PERSON)
            for m, is_known in zip(lines, known, strict=True)
            if is_known or many
        ]

    def _lone_names(
        self, text: str, entities: Sequence[Entity], names: Sequence[re.Match[str]]
    ) -> list[Entity]:
        """Known given names (of ``names``) standing alone outside every entity ("Kacper is
        very reliable", "said Clotilde to Anthony"), unless a place word leads them ("in
        Florence")."""
        found: list[Entity] = []
        lists = [m.span() for m in _WORD_LIST.finditer(text)]
        for word in names:
            start, end = word.span()
            if not _is_capitalised(word.group()) or (start and text[start - 1].isalnum()):
                continue
            if _GLUED_AFTER.match(text[end : end + 2]):
                continue  # part of an address, a domain or a longer token
            if any(s < end and start < e for s, e, _ in entities) or any(
                s <= start and end <= e for s, e in lists
            ):
                continue  # inside an entity, or in a list: _spread_over_lists decides
            before = text[max(0, start - 24) : start]
            mid_sentence = bool(_MID_SENTENCE_BEFORE.search(before))
            if not self.is_lone_name(word.group(), mid_sentence=mid_sentence):
                continue
            if self._stands_alone(text, start, end):
                found.append((start, end, PERSON))
        return found

    def _stands_alone(self, text: str, start: int, end: int) -> bool:
        """Whether the word at ``start:end`` may be a lone given name by its neighbours: not
        part of a run of capitalised words ("Pieter Calandlaan", "USNS George"), not after a
        number ("Suite 978 Dolores") or a place word ("in Florence"), not a line of its own
        (a town in an address block)."""
        before = text[max(0, start - 24) : start]
        previous = re.search(r"(\w[\w'’-]*)[ \t]$", before)
        if (
            previous
            and (previous.group(1)[0].isupper() or previous.group(1)[0].isdigit())
            and previous.group(1) not in _FUNCTION_WORDS
        ):
            return False
        if re.match(r" [A-Z0-9]", text[end : end + 2]):
            return False
        if _PLACE_BEFORE.search(before):
            return False
        line_start = re.search(r"(?:^|\n|\\n)[ \t]*$", before)
        line_end = re.match(r"[ \t]*(?:\\?\n|\\n|$)", text[end : end + 4])
        return not (line_start and line_end)

    def _spread_over_lists(self, text: str, entities: list[Entity]) -> list[Entity]:
        """A list of single capitalised words ("Tamao, Frank, Allison and Kurt") whose members
        are mostly persons or known given names is a list of persons: all its members are."""
        by_span = {(s, e): label for s, e, label in entities}
        spread: set[tuple[int, int]] = set()
        for match in _WORD_LIST.finditer(text):
            members = [m.span() for m in _WORD.finditer(text, *match.span())
                       if m.group() not in _CONJUNCTIONS]  # fmt: skip
            if not all(self._name_word(text, s, e) for s, e in members):
                continue
            before = text[max(0, match.start() - 24) : match.start()]
            previous = re.search(r"(\w[\w'’-]*),? $", before)
            if previous and previous.group(1)[0].isupper():
                continue  # "Acme Holdings, Davis and Reynolds": the list goes on before
            if _FIRM_BEFORE.search(text, max(0, match.start() - 24), match.start()):
                continue  # "works at Booth, Kelly and Brown": a firm named after its partners
            persons = sum(
                by_span.get(span) in (PERSON, "PER")
                or self.is_lone_name(text[span[0] : span[1]], mid_sentence=True)
                for span in members
            )
            if 2 * persons <= len(members):
                continue
            for s, e in members:
                if by_span.get((s, e)) is not None or not any(
                    a < e and s < b for a, b, _ in entities
                ):
                    spread.add((s, e))
        if not spread:
            return entities
        kept = [entity for entity in entities if (entity[0], entity[1]) not in spread]
        return sorted(kept + [(s, e, PERSON) for s, e in spread])


_CONJUNCTIONS = _word_set("and or")
_FIRM_BEFORE = re.compile(r"\b(?:at|from|with|of|for|by|joined|joins|join)\s+$", re.IGNORECASE)
# Single capitalised words joined by commas and a final "and"/"or"/"&" (or two by "and").
_WORD_LIST = re.compile(
    r"(?<![\w'’-])[A-Z][\w'’-]*(?:, [A-Z][\w'’-]*)*,? (?:and|or|&) [A-Z][\w'’-]*(?![\w'’-])"
    r"(?! (?:[A-Z0-9]|and |or |& ))"
)
# Words after which a name follows: "my name is", "call me", "starring", "Directed By:".
_CUE = (
    r"(?:\b(?:my|his|her|their|maiden|last|first|full|family|sur|nick)[ -]?name(?:\?| is|:)"
    r"|\bname:|\bcalls? me|\bstarring|\bdirected by:?|\bsung by|\bwritten by)"
)
_NAME_CUE = re.compile(_CUE + r"\s*$", re.IGNORECASE)
_NAME_CUE_ANYWHERE = re.compile(_CUE + r"(?= *(?=[^\W\d_]))", re.IGNORECASE)
_GREETING = re.compile(r"\b(?:Hi|Hello|Hey|Dear) ([^\W\d_][\w'’-]*)(?=\s*[,!:\n]|\\n|$)")
# A line's speaker: one or two name words and a colon, then the words said.
_SPEAKER = re.compile(r"(?:^|\n|\\n)[ \t]*([A-Z][\w'’-]*)(?: ([A-Z][\w'’-]*))?:[ \t]*(?=[\"“'A-Z])")
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Words before a place: a lone given name after them is read as the place the model saw.
_PLACE_BEFORE = re.compile(
    r"\b(?:in|from|near|outside|around|across|via|into|towards?|to|visit|visiting|of)\s+$",
    re.IGNORECASE,
)
_COMMON_WORD_ZIPF = 5.0
"""A given name that is also an English word this common ("Will", "Hope") is no lone name."""


_NATIONALITY = re.compile(r"(?:[Tt]he )?([A-Z][a-z]+(?:ian|ish|ese|ean|ic|ch)) (?=[A-Z])")


def _leading_nationality(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The nationality leading an organization without a legal form ("The Russian Border
    Force"): the model's span holds a nationality and a body that is no name."""
    match = _NATIONALITY.match(text, start, end)
    if match is None or _is_organization(text, start, end):
        return None
    return match.span(1)


def _next_word_end(text: str, end: int) -> int:
    match = _WORD.match(text, end + 1) if text.startswith(" ", end) else None
    return end if match is None else match.end()


def _is_organization(text: str, start: int, end: int) -> bool:
    return any(m.group().upper() in ORG_WORDS for m in _WORD.finditer(text, start, end))


def _organization(text: str, start: int, end: int) -> tuple[int, int]:
    """An organization's span: no leading "The", with the legal form after it ("Acme plc")
    and the full stop of an abbreviated one ("Acme Inc.")."""
    start, end = _light_trim(text, start, end)
    lead = re.match(r"(?:[Tt]he|THE) (?=\S)", text[start:end])
    if lead:
        start += lead.end()
    while True:
        match = _WORD.match(text, end + 1) if text.startswith(" ", end) else None
        if match is None or match.group().upper() not in ORG_WORDS:
            break
        end = match.end()
    last = re.search(r"([^\W\d_]+)\.?$", text[start:end])
    if last and last.group(1).upper() in _ORG_ABBREVIATIONS and text.startswith(".", end):
        end += 1
    return start, end


def _light_trim(text: str, start: int, end: int) -> tuple[int, int]:
    """An organization's or a place's span without edge punctuation and possessive."""
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    for suffix in ("'s", "’s"):
        if text.endswith(suffix, start, end):
            end -= len(suffix)
    return start, end


def _pieces(cut: re.Pattern[str], start: int, end: int, text: str) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    position = start
    for match in cut.finditer(text, start, end):
        pieces.append((position, match.start()))
        position = match.end()
    pieces.append((position, end))
    return [(s, e) for s, e in pieces if s < e]


def _disjoint(entities: list[Entity]) -> list[Entity]:
    """Longest first among overlapping entities; the model's label wins ties of the same span."""
    kept: list[Entity] = []
    # dict.fromkeys, not set: the first of equal spans (the model's) wins in every process.
    for entity in sorted(dict.fromkeys(entities), key=lambda e: (-(e[1] - e[0]), e[0])):
        if all(entity[1] <= k[0] or entity[0] >= k[1] for k in kept):
            kept.append(entity)
    return sorted(kept)
