"""The drift diff: pure functions from two cassettes to classified changes. No I/O."""

from __future__ import annotations

from cassettes_tool.diff.classify import compare_interactions, diff
from cassettes_tool.diff.pairing import pair
from cassettes_tool.diff.rules import DiffRules

__all__ = ["DiffRules", "compare_interactions", "diff", "pair"]
