"""Run a notebook of ``notebooks/`` in a real kernel, as a user would, and read what it shows:
figures (``image/png``), dataframe tables (``text/html``) and the text of every output; and the
PII values planted in a landing folder, which no output may contain."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = re.compile(r"\(\d{3}\) \d{3}-\d{4}|\b\d{3}-\d{3}-\d{4}\b")
_CARD = re.compile(r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b")
_CUSTOMER_PII = ("full_name", "email", "phone", "credit_card", "street_address")


@dataclass(frozen=True)
class Executed:
    """The outputs of an executed notebook, code cell by code cell."""

    outputs: list[dict[str, Any]]

    def count(self, mime: str, *, containing: str = "") -> int:
        """How many outputs carry ``mime`` (and, if given, a text containing ``containing``)."""
        return sum(
            1
            for o in self.outputs
            if mime in o.get("data", {}) and containing in _joined(o["data"][mime])
        )

    @property
    def images(self) -> int:
        """Figures shown (``image/png`` outputs)."""
        return self.count("image/png")

    @property
    def tables(self) -> int:
        """Dataframes shown as HTML tables (pandas and polars both render ``class="dataframe"``)."""
        return self.count("text/html", containing='class="dataframe"')

    @property
    def text(self) -> str:
        """Every text a reader sees: streams, plain and HTML renderings (unescaped), errors."""
        parts: list[str] = []
        for o in self.outputs:
            parts.append(_joined(o.get("text", "")))
            parts.append("\n".join(o.get("traceback", [])))
            for mime, value in o.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append(html.unescape(_joined(value)))
        return "\n".join(parts)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def execute(name: str) -> Executed:
    """Execute ``notebooks/<name>.ipynb`` from its own folder (the kernel inherits this process's
    environment); a failing cell raises ``CellExecutionError`` with its traceback."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return Executed([o for c in notebook.cells if c.cell_type == "code" for o in c.outputs])


def planted_values(landing: Path) -> set[str]:
    """PII values in the landing files under ``landing``: e-mail addresses, phone and card
    numbers in any jsonl or csv file, and the structured PII columns of the customers csv."""
    values: set[str] = set()
    for path in landing.rglob("*"):
        if path.suffix not in (".jsonl", ".csv"):
            continue
        text = path.read_text()
        for pattern in (_EMAIL, _PHONE, _CARD):
            values.update(pattern.findall(text))
        if path.suffix == ".csv":
            for row in csv.DictReader(io.StringIO(text)):
                values.update(
                    row[column]
                    for column in _CUSTOMER_PII
                    if row.get(column) and len(row[column]) > 6
                )
    return values


def leaked(executed: Executed, planted: set[str]) -> list[str]:
    """Planted values that appear in the notebook's outputs (sorted)."""
    text = executed.text
    return sorted(value for value in planted if value in text)
