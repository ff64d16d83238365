"""moto server for the benchmarks: its own process, and item-level rollback for TransactWriteItems.

Run: python -m benchmarks.moto_server --port 4566
moto backs up every table a transaction touches with copy.deepcopy before applying it, so each
TransactWriteItems costs time proportional to the whole table (about 0.2 s at a few hundred items, and it
grows with every chat stored): an emulator cost DynamoDB does not have, which would swamp the platform
latency these benchmarks measure. Here only the items the transaction names are backed up and restored, and
transactions run one at a time. Running moto in its own process keeps its CPU work off the app's GIL, as a
remote DynamoDB would.
"""

import argparse
import copy
import os
import threading
import time
from types import SimpleNamespace
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import main as moto_main

_lock = threading.Lock()


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    key = op["Item"] if op_type == "Put" else op["Key"]
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _restore(table: Table, hash_value: DynamoType, range_value: DynamoType | None, saved: Any) -> None:
    if range_value is None:
        if saved is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = saved
    elif saved is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = saved


def patch() -> None:
    original = models.DynamoDBBackend.transact_write_items
    models.copy = SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)  # type: ignore[attr-defined]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _lock:
            saved = []
            for item in transact_items:
                op_type, op = next(iter(item.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None or op_type not in ("Put", "Update", "Delete"):
                    continue
                try:
                    hash_value, range_value = _key_of(table, op_type, op)
                except KeyError:
                    continue  # moto itself answers the validation error
                current = table.get_item(hash_value, range_value)
                saved.append((table, hash_value, range_value, copy.deepcopy(current)))
            try:
                original(self, transact_items)
            except Exception:
                for entry in reversed(saved):
                    _restore(*entry)
                raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _exit_with_parent(parent: int) -> None:
    """A benchmark killed before its cleanup must not leave the emulator running."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    patch()
    moto_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
