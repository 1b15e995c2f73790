"""A large CSV feed read by a second process while this one writes.

Why: the set-based import (`exchange.feed_services`, `records.bulk`) spends most of its Python
time on work that needs no database — reading the CSV, parsing dates and amounts, checking
codes, the mapping, composing descriptions, `record_create`'s checks, the insert's values and
each record's digest — and the rest waiting for the database. One interpreter does one at a
time (a thread shares its lock: tried, no gain). Here a forked process does the first part
chunk by chunk (`feed_services._prepare_chunk`) and hands each chunk over in a compact form
(`PreparedChunk`: row numbers, document numbers, `records.bulk.Ready` tuples, refusals with
their ledger lines, the chunk's own CSV text); this process looks up, decides, inserts, audits
and writes the ledger. The outcome of every row is the in-process path's: the same function
prepares each chunk, and a row the writer must send through the row-by-row path is read back
from the chunk's text (`feeds.reparse_chunk`); `exchange/tests/test_bulk_import.py` compares
both with the row-by-row path.

Only for CSV feeds of more than `PIPELINE_MIN_ROWS` rows (the fork, about 50 ms, pays off
there) where the platform can fork. The parser process never touches the database: it
inherits this process's connections (a PostgreSQL socket, an SQLite handle), so it keeps them
referenced, unused and unclosed, and any attempt to use one raises.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue as queues
import signal
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connections

from exchange import feeds

#: Files with at least this many rows (by `Parsed.at_most`) are read in a parser process.
PIPELINE_MIN_ROWS = 20_000
#: Chunks the parser may be ahead of the writer (memory: a few 5,000-row chunks).
AHEAD_CHUNKS = 3
#: Seconds the writer waits for a chunk before checking that the parser is still alive.
POLL_SECONDS = 5.0
#: Seconds without a chunk after which the writer gives up on a live but silent parser (a
#: 5,000-row chunk takes well under a second): the import fails whole instead of hanging.
STALL_SECONDS = 300.0
#: Seconds the writer waits for a parser that has sent everything to end by itself.
EXIT_SECONDS = 5.0

_inherited: list[Any] = []  # the parent's connections, kept so that they are never finalised


def available() -> bool:
    """Whether this platform can fork (Linux can; the parser relies on inheriting the
    importer's state rather than pickling it) and this process may have a child (a daemonic
    process, such as a pool's worker, may not)."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def _no_database(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("the import's parser process does not use the database")


def _forbid_database() -> None:
    """In the parser process: the inherited connections belong to the parent (closing one
    would end the parent's session), so keep them alive and refuse any use."""
    for conn in connections.all(initialized_only=True):
        _inherited.append(conn.connection)
        conn.ensure_connection = _no_database  # type: ignore[method-assign]
        conn.connect = _no_database  # type: ignore[method-assign]


def _produce(out: Any, prepare: Callable[[list[feeds.FeedRow]], Any], table: feeds.Table,
             kind: str, field_set: str, size: int) -> None:
    """The parser process: every chunk prepared and sent, then None; a failure is sent as
    ("feed", field, reason) for a `FeedFileError` or ("error", traceback)."""
    # Whatever handler the importing process set for SIGTERM (a worker's graceful shutdown)
    # must not keep the parser alive once the writer has given up on it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _forbid_database()
    try:
        for rows, text, start in feeds.csv_chunks(table, kind, field_set, size):
            prepared = prepare(rows)
            prepared.detach(text, start)
            out.put(prepared)
        out.put(None)
    except feeds.FeedFileError as exc:
        out.put(("feed", exc.field, exc.reason))
    except Exception:  # noqa: BLE001 — reported to the writer, which raises
        out.put(("error", traceback.format_exc()))


def prepared_chunks(*, prepare: Callable[[list[feeds.FeedRow]], Any], table: feeds.Table,
                    kind: str, field_set: str, size: int) -> Iterator[Any]:
    """The file's chunks as `prepare` made them in a parser process, in order; each attached
    to `feeds.reparse_chunk` so the writer can read its rows back when it needs them."""
    context = multiprocessing.get_context("fork")
    out = context.Queue(maxsize=AHEAD_CHUNKS)
    process = context.Process(target=_produce, name="import-parser", daemon=True,
                              args=(out, prepare, table, kind, field_set, size))
    # The parser's garbage collector must not walk (and so copy, page by page) every object
    # it inherits: they are moved out of its reach for the fork, then given back here.
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()

    def reparse(text: str, start: int) -> list[feeds.FeedRow]:
        return feeds.reparse_chunk(text, start, table.header, kind, field_set)

    waited, finished = 0.0, False
    try:
        while True:
            try:
                item = out.get(timeout=POLL_SECONDS)
                waited = 0.0
            except queues.Empty:
                waited += POLL_SECONDS
                if process.is_alive() and waited < STALL_SECONDS:
                    continue
                if process.is_alive():
                    raise RuntimeError("the import's parser process sent nothing for "
                                       f"{STALL_SECONDS:.0f} s") from None
                try:  # it may have sent its last chunk just before it ended
                    item = out.get(timeout=1)
                except queues.Empty:
                    raise RuntimeError("the import's parser process ended without its rows "
                                       f"(exit code {process.exitcode})") from None
            if item is None:
                finished = True
                return
            if isinstance(item, tuple):
                if item[0] == "feed":
                    raise feeds.FeedFileError(item[1], item[2])
                raise RuntimeError(f"the import's parser process failed:\n{item[1]}")
            item.reparse = reparse
            yield item
    finally:
        # A parser that sent everything ends by itself; one the writer gave up on (an error,
        # a stall, a closed generator) may be blocked on the full queue: it holds nothing to
        # clean up (it never touches the database), so it is killed, never waited on forever.
        if finished:
            process.join(EXIT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        out.close()
