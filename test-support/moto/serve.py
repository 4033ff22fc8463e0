"""
moto_server with four fixes of cost (not of behaviour) that a busy local platform needs,
and two of behaviour (5, 6).

Started by test-support/src/engines.ts (startMoto) for the tests and `npm run dev` alike,
with the same arguments as `moto_server`. Each fix is skipped, with a line on stderr, when
the installed moto no longer has what it replaces.

1. moto looks up the list of its own service modules on every request (a directory listing
   and a stat of each of ~150 entries, under a lock every request waits for); the list
   cannot change while the server runs: computed once.
2. EventBridge input paths and transformers are JSONPath expressions that moto compiles
   with a freshly built parser for every delivery (~35 ms of CPU each); compiled
   expressions are immutable: cached by their text.
3. A long poll on a FIFO queue whose visible messages all belong to groups in flight spins
   (the wait returns at once while messages are visible but none can be taken) until the
   poll ends; it now waits for a change (a send, a delete, a visibility change) or 50 ms.
4. werkzeug formats a log line for every request that nobody reads: off (errors still show).
5. A cancelled TransactWriteItems is undone by putting back a copy of each table taken
   before it: the stream records its writes made stay on the live shard, and the copy's
   shard is another object, so a reader that keeps its shard iterator (as Lambda's and the
   runner's do) reads those phantom records and then nothing written afterwards. The live
   shard is kept, without what the cancelled transaction added, as DynamoDB does.
6. Two PutObject calls for one key at once (a duplicate delivery writing the same
   document): the second closes the first object's buffer as it replaces it, while the
   first request still reads it for its ETag; the first call answers 500 ("I/O operation
   on closed file"). An object's ETag is computed before its buffer is closed, and never
   while it is being closed, so the replaced object still answers its own PutObject, as
   S3 does (last writer wins).
"""
import functools
import logging
import sys


def note(message: str) -> None:
    sys.stderr.write(f"[moto serve.py] {message}\n")


def patch_module_list() -> None:
    import moto.backends as backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def patch_jsonpath_cache() -> None:
    import jsonpath_ng.ext as ext

    ext.parse = functools.lru_cache(maxsize=4096)(ext.parse)


def patch_fifo_wait() -> None:
    from moto.sqs.models import Queue

    if not hasattr(Queue, "wait_for_messages") or not hasattr(Queue, "messages"):
        raise AttributeError("Queue.wait_for_messages")

    def wait_for_messages(self, timeout):  # type: ignore[no-untyped-def]
        with self._messages_lock:
            if self.messages:
                # Visible, yet not receivable (their group is in flight): wait for a change.
                self._messages_lock.wait(timeout=min(timeout, 0.05))
            else:
                self._messages_lock.wait_for(lambda: self.messages, timeout=timeout)

    Queue.wait_for_messages = wait_for_messages


def patch_transaction_stream_rollback() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):  # type: ignore[no-untyped-def]
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if getattr(table, "stream_shard", None) is not None
        }
        try:
            return original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def patch_s3_dispose_etag() -> None:
    import threading

    from moto.s3.models import FakeKey

    lock = threading.RLock()
    etag_of = FakeKey.etag.fget
    original_dispose = FakeKey.dispose

    def etag(self):  # type: ignore[no-untyped-def]
        with lock:  # never read while another request closes the buffer
            return etag_of(self)

    def dispose(self, garbage: bool = False) -> None:  # type: ignore[no-untyped-def]
        with lock:
            if not self.disposed:
                try:
                    etag_of(self)  # computed from the buffer once, then kept
                except ValueError:
                    pass
            original_dispose(self, garbage)

    FakeKey.etag = property(etag)
    FakeKey.dispose = dispose


def quiet_request_log() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


for fix in (
    patch_module_list,
    patch_jsonpath_cache,
    patch_fifo_wait,
    patch_transaction_stream_rollback,
    patch_s3_dispose_etag,
    quiet_request_log,
):
    try:
        fix()
    except (ImportError, AttributeError) as e:
        note(f"{fix.__name__} not applied: {e}")

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
