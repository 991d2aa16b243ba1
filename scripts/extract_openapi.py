"""Cut a large OpenAPI document down to the operations a test uses, with every component
they reach through `$ref` (transitively), so a real provider's document fits in the repo.

    python scripts/extract_openapi.py FULL.(json|yaml) OUT.json "POST /responses" "GET /models/{model}"

Only local refs (`#/...`) are followed; the output is JSON, keys in the source's order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            found.add(ref)
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def lookup(document: Any, ref: str) -> Any:
    node = document
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def place(out: dict[str, Any], ref: str, value: Any) -> None:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/")]
    node = out
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
    node[tokens[-1]] = value


def extract(document: dict[str, Any], operations: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: document[k] for k in ("openapi", "swagger", "info", "servers", "basePath", "host") if k in document
    }
    out["paths"] = {}
    for spec in operations:
        method, path = spec.split(" ", 1)
        item = document["paths"][path]
        kept = out["paths"].setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method.lower()] = item[method.lower()]
    todo = refs(out["paths"])
    done: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in done:
            continue
        done.add(ref)
        value = lookup(document, ref)
        place(out, ref, value)
        todo |= refs(value) - done
    return out


def main(argv: list[str]) -> int:
    source, target, *operations = argv
    text = Path(source).read_text(encoding="utf-8")
    document = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=yaml.CSafeLoader)
    Path(target).write_text(json.dumps(extract(document, operations), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
