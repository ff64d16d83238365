"""Warms DynamoDB Local's JVM at start-up, so the first requests do not run its code paths interpreted.

A fresh JVM compiles the engine's query, conditional-write and transaction paths only after they have run a
while: a first chat after `make run` spent about 0.5 s more in DynamoDB calls than the next ones. A scratch
table (deleted afterwards) gets the operations a chat turn makes, a few hundred times, in the background.
"""

import logging
import threading
import uuid
from typing import Any

from scripts.localcloud.provision import aws_client

log = logging.getLogger("localcloud.warmup")
ROUNDS = 150


def _round(ddb: Any, table: str, i: int) -> None:
    pk, sk = {"S": f"TENANT#{i % 5}"}, {"S": f"MSG#{i:06d}"}
    item = {"pk": pk, "sk": sk, "body": {"S": "warm-up " * 20}, "n": {"N": str(i)}}
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    ddb.get_item(TableName=table, Key={"pk": pk, "sk": sk}, ConsistentRead=True)
    ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": pk, ":s": {"S": "MSG#"}},
        ScanIndexForward=False,
        Limit=12,
    )
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": item | {"sk": {"S": f"CHAT#{i:06d}"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": table, "Key": {"pk": pk, "sk": {"S": "TOTALS"}},
                        "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ],
        ClientRequestToken=str(uuid.uuid4()),
    )  # fmt: skip


def warm(endpoint: str, region: str) -> None:
    ddb = aws_client("dynamodb", endpoint, region)
    table = f"warmup-{uuid.uuid4().hex[:8]}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    attrs = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")]
    try:
        ddb.create_table(
            TableName=table, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST"
        )
        for i in range(ROUNDS):
            _round(ddb, table, i)
        ddb.delete_table(TableName=table)
    except Exception:  # only ever a speed-up: the engine works cold too
        log.warning("DynamoDB Local warm-up stopped early", exc_info=True)


def warm_in_background(endpoint: str, region: str) -> threading.Thread:
    thread = threading.Thread(target=warm, args=(endpoint, region), name="dynamodb-warmup", daemon=True)
    thread.start()
    return thread
