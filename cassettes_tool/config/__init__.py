"""`[tool.cassettes]`: find it, check it against a declared schema, and resolve targets.

Every mistake is reported as `FILE: key: what is wrong` (a ConfigError, exit 2).
"""

from __future__ import annotations

from cassettes_tool.config.load import find_pyproject, from_settings, load, with_overrides
from cassettes_tool.config.schema import validate
from cassettes_tool.config.settings import (
    DEFAULT_KEEP_RUNS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_METHODS,
    DEFAULT_REDACT_HEADERS,
    DEFAULT_REDACT_QUERY,
    DEFAULT_SCRATCH,
    Config,
    IgnoreRules,
    LintRules,
    RedactRules,
    Target,
)
from cassettes_tool.config.targets import COMMAND_LINE_TARGET, TargetFlags, resolve_target

__all__ = [
    "COMMAND_LINE_TARGET",
    "DEFAULT_KEEP_RUNS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_METHODS",
    "DEFAULT_REDACT_HEADERS",
    "DEFAULT_REDACT_QUERY",
    "DEFAULT_SCRATCH",
    "Config",
    "IgnoreRules",
    "LintRules",
    "RedactRules",
    "Target",
    "TargetFlags",
    "find_pyproject",
    "from_settings",
    "load",
    "resolve_target",
    "validate",
    "with_overrides",
]
