"""What a diff finds: changes with a severity, per interaction and per cassette."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any


class Severity(str, enum.Enum):
    VOLATILE = "volatile"
    VALUE = "value"
    ADDITIVE = "additive"
    BREAKING = "breaking"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.VOLATILE: 0, Severity.VALUE: 1, Severity.ADDITIVE: 2, Severity.BREAKING: 3}


class ChangeKind(str, enum.Enum):
    STATUS_CHANGED = "status_changed"
    MEDIA_TYPE_CHANGED = "media_type_changed"
    FIELD_ADDED = "field_added"
    FIELD_REMOVED = "field_removed"
    TYPE_CHANGED = "type_changed"
    FORMAT_CHANGED = "format_changed"
    VALUE_CHANGED = "value_changed"
    ITEMS_CHANGED = "items_changed"
    BODY_CHANGED = "body_changed"
    HEADER_ADDED = "header_added"
    HEADER_REMOVED = "header_removed"
    HEADER_CHANGED = "header_changed"
    DEPRECATION_ANNOUNCED = "deprecation_announced"
    INTERACTION_ADDED = "interaction_added"
    INTERACTION_MISSING = "interaction_missing"
    ORDER_CHANGED = "order_changed"
    REQUEST_CHANGED = "request_changed"
    #: the recorded request matches no operation of the provider's OpenAPI document
    OPERATION_REMOVED = "operation_removed"


class Where(str, enum.Enum):
    STATUS = "status"
    HEADER = "header"
    BODY = "body"
    INTERACTION = "interaction"
    #: found against the provider's OpenAPI document (`spec-check`, `check --spec`)
    SPEC = "spec"


@dataclass(frozen=True, slots=True)
class Change:
    severity: Severity
    kind: ChangeKind
    where: Where
    #: JSONPath for body changes, the lower-case name for header changes
    path: str | None = None
    old: Any = None
    new: Any = None
    #: a human line: a unified excerpt of a text body, sizes of a binary one
    detail: str | None = None
    #: how many places this one change stands for (items of a list, repeated fields)
    count: int = 1
    #: spec findings: the document's operation (its operationId, else `METHOD /template`)
    operation: str | None = None
    #: spec findings: where in the document the rule lives (`file#/json/pointer`)
    schema: str | None = None
    #: `--history`: the first run of the unbroken streak of runs that saw this same change
    drifting_since: datetime | None = None
    drifting_days: float | None = None


@dataclass(frozen=True, slots=True)
class InteractionDiff:
    old_index: int | None
    new_index: int | None
    method: str
    uri: str
    changes: tuple[Change, ...] = ()

    @property
    def index(self) -> int:
        return self.old_index if self.old_index is not None else (self.new_index or 0)

    @property
    def drifted(self) -> bool:
        return any(c.severity is not Severity.VOLATILE for c in self.changes)


@dataclass(frozen=True, slots=True)
class CassetteDiff:
    interactions: tuple[InteractionDiff, ...]

    @property
    def changes(self) -> list[Change]:
        return [c for i in self.interactions for c in i.changes]

    @property
    def drifted(self) -> bool:
        return any(i.drifted for i in self.interactions)

    @property
    def severity(self) -> Severity | None:
        """The highest severity among the changes, volatile included; None when identical."""
        ranks = [c.severity for c in self.changes]
        return max(ranks, key=lambda s: s.rank) if ranks else None
