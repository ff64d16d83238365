"""Binds the item classes to one table on one endpoint, and translates storage errors."""

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from minirag.adapters.aws import aws_credentials
from minirag.adapters.dynamodb import items
from minirag.adapters.dynamodb.wire import WireClient, WireConfig
from minirag.domain.errors import (
    ConflictError,
    DependencyUnavailableError,
    InvalidInputError,
    UnprocessableError,
)


@dataclass(frozen=True)
class DynamoConfig:
    table_name: str
    region: str
    host: str | None
    access_key: str | None = None
    secret_key: str | None = None
    max_retries: int = 3
    timeout_seconds: float = 5.0


class WiredConnection(Connection):
    """PynamoDB's connection, sending through the wire client instead of a botocore client it would make."""

    def __init__(self, wire: WireClient, *, region: str) -> None:
        super().__init__(region=region, host=wire.endpoint_url)
        self.wire = wire

    @property
    def client(self) -> Any:  # PynamoDB calls only client._make_api_call (and meta.endpoint_url in repr)
        return self.wire

    def get_consumed_capacity_map(self, return_consumed_capacity: str) -> dict[str, str]:
        """Nothing: PynamoDB asks every call for its consumed capacity only to log it at debug level, and
        nothing here reads it; the engine then skips the accounting (DynamoDB Local: 9% less CPU per chat
        turn's calls). `make cost` asks for it itself, in its observer."""
        return {}


class _CredentialSource:
    """The configured keys, or botocore's credential chain read on first use (and again while it finds
    nothing, so a slow instance-metadata answer at start-up does not poison the client)."""

    def __init__(self, config: "DynamoConfig") -> None:
        self._found: Credentials | None = None
        if config.access_key:
            self._found = Credentials(config.access_key, config.secret_key or "")

    def __call__(self) -> Credentials | None:
        if self._found is None:
            self._found = aws_credentials()
        return self._found


class DynamoTables:
    """Per-wiring subclasses of the item classes, so two tables can live in one process (tests), all
    sending through one wire client (one keep-alive pool)."""

    def __init__(self, config: DynamoConfig) -> None:
        self.config = config
        self.wire = WireClient(
            WireConfig(
                region=config.region,
                endpoint_url=config.host,
                credentials=_CredentialSource(config),
                max_attempts=1 + config.max_retries,
                connect_timeout=config.timeout_seconds,
                read_timeout=config.timeout_seconds,
            )
        )
        meta = type(
            "Meta", (), {"table_name": config.table_name, "region": config.region, "host": config.host}
        )
        self._bound: dict[type[items.Item], type[items.Item]] = {
            cls: type(cls.__name__, (cls,), {"Meta": meta}) for cls in items.ITEM_CLASSES
        }
        for bound in self._bound.values():
            table = bound._get_connection()  # PynamoDB's TableConnection, with the schema it derived
            wired = WiredConnection(self.wire, region=config.region)
            wired.add_meta_table(table.get_meta_table())
            table.connection = wired
        self.connection = WiredConnection(self.wire, region=config.region)

    def model[T: items.Item](self, cls: type[T]) -> type[T]:
        return cast(type[T], self._bound[cls])


def _response_code(exc: PynamoDBException) -> str | None:
    """PynamoDB's cause_response_code raises AttributeError when the cause carries `response=None`, as
    botocore's ReadTimeoutError and ConnectionClosedError do: those have no code, they are a store down."""
    response = getattr(exc.cause, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None


def _is_conditional_failure(exc: PynamoDBException) -> bool:
    if isinstance(exc, TransactWriteError):
        reasons = exc.cancellation_reasons or []
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
    return _response_code(exc) == "ConditionalCheckFailedException"


@contextmanager
def storage_errors(conflict: str = "conflicts with an existing item") -> Iterator[None]:
    """Conditional-check failures become ConflictError; anything else from the store becomes a 503."""
    try:
        yield
    except PynamoDBException as exc:
        if _is_conditional_failure(exc):
            raise ConflictError(conflict) from exc
        if _response_code(exc) == "ValidationException":
            raise UnprocessableError("a value is outside what the store accepts") from exc
        raise DependencyUnavailableError("the metadata store is unavailable") from exc
    except ClientError as exc:  # raw client calls, and what PynamoDB lets through from a transaction
        reasons = (exc.response or {}).get("CancellationReasons") or []
        if any((r or {}).get("Code") == "ConditionalCheckFailed" for r in reasons):
            raise ConflictError(conflict) from exc
        raise DependencyUnavailableError("the metadata store is unavailable") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailableError("the metadata store is unavailable") from exc


def newest_first[T: items.Item](
    model: type[T], pk: str, sk_prefix: str, *, limit: int, start: dict[str, Any] | None
) -> tuple[list[T], dict[str, Any] | None]:
    """One page of the items under `sk_prefix`, newest (highest sort key) first, and the key to continue
    from: one item more is read, so the key is None exactly when nothing is left (no empty last page)."""
    with storage_errors():
        found = list(
            model.query(
                pk,
                model.sk.startswith(sk_prefix),
                scan_index_forward=False,
                limit=limit + 1,
                last_evaluated_key=_resume_key(start, pk=pk, sk_prefix=sk_prefix),
            )
        )
    page = found[:limit]
    return page, {"pk": {"S": pk}, "sk": {"S": page[-1].sk}} if len(found) > limit else None


def _resume_key(start: dict[str, Any] | None, *, pk: str, sk_prefix: str) -> dict[str, Any] | None:
    """A start key as a client sent it back, checked to lie in the range being queried: DynamoDB rejects
    a start key outside the key condition, and another list's cursor is the client's mistake."""
    if start is None:
        return None
    sk = start.get("sk")
    in_range = (
        set(start) == {"pk", "sk"}
        and start["pk"] == {"S": pk}
        and isinstance(sk, dict)
        and set(sk) == {"S"}
        and isinstance(sk["S"], str)
        and sk["S"].startswith(sk_prefix)
    )
    if not in_range:
        raise InvalidInputError("invalid cursor")
    return start


CONFLICT_ATTEMPTS = 6
# The first wait's ceiling (it doubles): about a transaction's time in DynamoDB, so a retry rarely meets the
# same transaction still holding the item (benchmarks/scale_sim.py: 10 ms lost turns at 50 turns/s, 25 none).
CONFLICT_BACKOFF_S = 0.025


def _only_conflicts(exc: TransactWriteError) -> bool:
    codes = {r.code for r in exc.cancellation_reasons if r is not None}
    return "TransactionConflict" in codes and codes <= {"TransactionConflict", "None"}


def _same_value(sent: Any, stored: Any) -> bool:
    """Attribute values as DynamoDB compares them: numbers by value (it normalises "1e-05" to
    "0.00001"), sets without order."""
    if not isinstance(sent, dict) or not isinstance(stored, dict) or sent.keys() != stored.keys():
        return False
    (kind, a), b = next(iter(sent.items())), next(iter(stored.values()))
    if kind == "N":
        return Decimal(a) == Decimal(b)
    if kind == "NS":
        return {Decimal(x) for x in a} == {Decimal(x) for x in b}
    if kind in ("SS", "BS"):
        return set(a) == set(b)
    if kind == "M":
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if kind == "L":
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class _Transaction(TransactWrite):
    """Two transactions that touch one item at once (every chat turn of a tenant updates its usage rows and
    TOTALS) cancel each other with TransactionConflict, which the SDK does not retry. A cancelled
    transaction wrote nothing, so the same writes are sent again under a fresh token after a short,
    jittered, doubling wait; any other cancellation (a failed condition) is final, unless it is the
    transaction's own earlier attempt (see _already_applied)."""

    def _commit(self) -> Any:
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return super()._commit()
            except TransactWriteError as exc:
                if not _only_conflicts(exc) and self._already_applied(exc):
                    return None
                if attempt == CONFLICT_ATTEMPTS - 1 or not _only_conflicts(exc):
                    raise
            time.sleep(random.uniform(0, CONFLICT_BACKOFF_S * 2**attempt))  # noqa: S311
            self._client_request_token = str(uuid.uuid4())
        raise AssertionError("unreachable")

    def _already_applied(self, exc: TransactWriteError) -> bool:
        """The SDK sends a call again when its answer is lost (a timeout, a 500, a reset connection). If the
        first attempt was applied and the retry falls outside the token's idempotency window (or the engine
        keeps none), every create in it now fails its own condition. That is a success, not a conflict:
        true when only Puts failed their conditions and every Put's item is stored exactly as this
        transaction sent it (a different item under one of the keys, or a Put missing, is a conflict)."""
        first_put = len(self._condition_check_items) + len(self._delete_items)
        puts = {first_put + i: item for i, item in enumerate(self._put_items)}
        reasons = exc.cancellation_reasons or []
        failed = {i: r.code for i, r in enumerate(reasons) if r is not None and r.code != "None"}
        if not failed or any(code != "ConditionalCheckFailed" or i not in puts for i, code in failed.items()):
            return False
        return all(self._stored_as_sent(put) for put in puts.values())

    def _stored_as_sent(self, put: dict[str, Any]) -> bool:
        item = put["Item"]
        key = {"pk": item["pk"], "sk": item["sk"]}
        try:
            stored = (
                cast(WiredConnection, self._connection)
                .wire.call("GetItem", {"TableName": put["TableName"], "Key": key, "ConsistentRead": True})
                .get("Item")
            )
        except (BotoCoreError, ClientError):
            return False
        return (
            stored is not None
            and stored.keys() == item.keys()
            and all(_same_value(item[k], stored[k]) for k in item)
        )


def transaction(tables: "DynamoTables") -> TransactWrite:
    """A write transaction with an idempotency token: if the SDK retries a commit that already succeeded
    (a timeout after the write), DynamoDB recognises the token instead of failing the conditions.
    Cancelled by a concurrent transaction on one of its items, it is sent again (see _Transaction)."""
    return _Transaction(connection=tables.connection, client_request_token=str(uuid.uuid4()))


def query_index(
    tables: DynamoTables,
    index: str,
    hash_name: str,
    hash_value: str,
    *,
    limit: int,
    range_name: str | None = None,
    range_at_most: str | None = None,
    forward: bool = True,
    start: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A raw Query on a secondary index (PynamoDB's low-level query needs table metadata first)."""
    condition = "#h = :h"
    names = {"#h": hash_name}
    values: dict[str, Any] = {":h": {"S": hash_value}}
    if range_name and range_at_most is not None:
        condition += " AND #r <= :r"
        names["#r"] = range_name
        values[":r"] = {"S": range_at_most}
    params: dict[str, Any] = {
        "TableName": tables.config.table_name,
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "Limit": limit,
        "ScanIndexForward": forward,
    }
    if start:
        params["ExclusiveStartKey"] = start
    return tables.wire.call("Query", params)
