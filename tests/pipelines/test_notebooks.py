"""The self-contained notebooks, executed in a real kernel: each shows the figures and tables it
promises and no PII value of the synthetic corpus it builds its temporary vault from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipelines import notebooks
from vault_demo.synthetic import generate_corpus

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Values of the demo-sized corpus: the notebooks draw their smaller corpus from the same
    seeded pools (``vault_demo.synthetic``), so these cover whatever they could print."""
    landing = tmp_path_factory.mktemp("landing")
    generate_corpus(str(landing))
    return notebooks.planted_values(Path(landing))


def test_when_keys_and_erasure_runs_then_rotation_and_shredding_show_and_no_pii(
    planted: set[str],
) -> None:
    executed = notebooks.execute("keys_and_erasure")
    assert executed.images == 1
    assert executed.tables >= 7
    text = executed.text
    assert "objects re-wrapped under local:tickets:v2" in text
    assert "KeyInUseError" in text  # the current version is refused without shred
    assert "was destroyed: data sealed under it cannot be recovered" in text
    assert "KeyNotFoundError (destroyed=True)" in text  # every object, opened one by one
    assert "customers raw records still open: 25" in text
    assert len(planted) > 1000
    assert not notebooks.leaked(executed, planted)


def test_when_notebooks_are_committed_then_they_hold_no_outputs() -> None:
    import nbformat

    paths = sorted(notebooks.NOTEBOOKS.glob("*.ipynb"))
    assert len(paths) >= 4
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert not [c for c in code if c.outputs or c.execution_count is not None], path.name
        assert notebook.cells[0].cell_type == "markdown", path.name  # says what it shows, needs
