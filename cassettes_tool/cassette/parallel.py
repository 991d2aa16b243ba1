"""Read many cassettes on all cores when there are enough of them to pay for the pool."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

T = Any


def map_files(fn: Callable[[Path], T], files: Iterable[Path], *, workers: int | None = None) -> list[T]:
    """Apply `fn` to every file, on all cores when the tree is large enough to pay for it.

    `fn` must be a module-level function returning picklable records; the results come
    back in the order of `files`.
    """
    files = list(files)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(files) < _PARALLEL_MIN_FILES or _total_size(files) < _PARALLEL_MIN_BYTES:
        return [fn(path) for path in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    chunksize = max(1, len(files) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(fn, files, chunksize=chunksize))


_PARALLEL_MIN_FILES = 16


_PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def _total_size(files: list[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
        if total >= _PARALLEL_MIN_BYTES:
            break
    return total
