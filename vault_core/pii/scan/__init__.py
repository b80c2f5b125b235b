"""Run the pattern detectors over many texts at once: Rust regex scans, numpy bookkeeping.

Presidio runs every recognizer on every text in a Python loop, with a Python object per match.
Here the texts are joined (a line break between two texts: no pattern crosses one) and cut
into a few rows; each detector is one Rust scan over all of them (:mod:`.columnar`), planned in
:mod:`.plan`, and its matches are checked together in numpy (:mod:`.judge`). No Python code
runs per text or per match (a C-level call per value checks the few hundred URLs, titles and
``within`` subsets, where a polars call would wait for the scans on polars' threads). Texts are
scanned in batches of ~4M characters (bounded memory); a batch of at most ~2k characters (one
``detect`` call) is scanned match by match in Python instead (:mod:`.reference`), which is
faster there and is the reference the columnar pass is tested against.

Leftmost-first matching is the same in Rust's regex and Python's ``re`` for the patterns'
common subset, so the matches are those ``re.finditer`` would give for
:attr:`~vault_core.pii.detectors.PatternDetector.search`. Two shortcuts keep those matches while
scanning less: a detector whose matches all hold a run of digits is scanned only in windows
around such runs (:meth:`~vault_core.pii.joined_text.Corpus.near_digits`), and one whose value
holds a literal is scanned without its lead, checked afterwards. Rarely matching detectors
are found by one Hyperscan pass (:mod:`.prefilter`); digit groups with one-character
separators (3-3-3, 4-4-4) are read off the digit runs, unscanned (:mod:`.digit_groups`).
The joined texts, their windows and the context words' places are in
:mod:`vault_core.pii.joined_text`.
"""

from vault_core.pii.scan.batches import Texts as Texts
from vault_core.pii.scan.batches import joined_texts as joined_texts
from vault_core.pii.scan.batches import scan_groups as scan_groups
from vault_core.pii.scan.batches import scan_texts as scan_texts

__all__ = ["Texts", "joined_texts", "scan_groups", "scan_texts"]
