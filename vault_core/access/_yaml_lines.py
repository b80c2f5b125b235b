"""Validate a YAML file against a pydantic model and name the line of the first problem."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from vault_core.access.exceptions import AccessFileError

M = TypeVar("M", bound=BaseModel)


def load_yaml_model(text: str, path: str, model: type[M], error: type[AccessFileError]) -> M:
    """Parse ``text`` and validate it as ``model``; ``error(path, line, problem)`` otherwise."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(path, line, f"not valid YAML ({problem})") from None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        line = _line_of(node, first["loc"])
        # The message names the field and the rule, not the value given (it may be personal).
        raise error(path, line, f"{where or 'file'}: {first['msg']}") from None


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    line = node.start_mark.line + 1 if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == part), None)
            if found is None:
                break
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line
