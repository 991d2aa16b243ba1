"""The drift diff: pure functions from two cassettes to classified changes. No I/O."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cassettes_tool.diff.classify import compare_interactions, diff
    from cassettes_tool.diff.pairing import pair
    from cassettes_tool.diff.rules import DiffRules

#: name -> (module, attribute): loaded on first use (PEP 562), so that a command that needs
#: one record or one reader does not import the whole package (`show --textconv` start-up)
_LAZY = {
    "compare_interactions": ("cassettes_tool.diff.classify", "compare_interactions"),
    "diff": ("cassettes_tool.diff.classify", "diff"),
    "pair": ("cassettes_tool.diff.pairing", "pair"),
    "DiffRules": ("cassettes_tool.diff.rules", "DiffRules"),
}

__all__ = ["DiffRules", "compare_interactions", "diff", "pair"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
