"""Read many cassettes on all cores when there are enough of them to pay for the pool."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

T = Any


def map_files(fn: Callable[[Path], T], files: Iterable[Path], *, workers: int | None = None) -> list[T]:
    """Apply `fn` to every file, on all cores when the tree is large enough to pay for it.

    `fn` must be a module-level function returning picklable records; the results come
    back in the order of `files`.
    """
    return list(imap_files(fn, files, workers=workers))


def imap_files(fn: Callable[[Path], T], files: Iterable[Path], *, workers: int | None = None) -> Iterator[T]:
    """`map_files` as the results come: the caller keeps only what it needs of each, and the
    workers hand them over in small chunks rather than a few large pickles."""
    files = list(files)
    return imap_items(fn, files, files, workers=workers)


def imap_items(
    fn: Callable[[Any], T], items: Sequence[Any], files: Iterable[Path], *, workers: int | None = None
) -> Iterator[T]:
    """`fn` of every item (picklable, each reading some of `files`), in order, on all cores
    when `files` are enough to pay for the pool."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(items) < _PARALLEL_MIN_FILES or _total_size(files) < _PARALLEL_MIN_BYTES:
        return (fn(item) for item in items)
    return _pooled(fn, items, workers)


def _pooled(fn: Callable[[Any], T], items: Sequence[Any], workers: int) -> Iterator[T]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    chunksize = min(_MAX_CHUNK, max(1, len(items) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield from pool.map(fn, items, chunksize=chunksize)


#: files per task: enough to amortise the hand-over, few enough that no pickle is large
_MAX_CHUNK = 64


_PARALLEL_MIN_FILES = 16


_PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def _total_size(files: Iterable[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
        if total >= _PARALLEL_MIN_BYTES:
            break
    return total
