"""The cost model's arithmetic and its price file (make cost measures; these check what it does with it)."""

import datetime
import time

import pytest

from benchmarks import cost
from benchmarks.scale_sim import hot_items, month


def test_every_price_is_dated_and_sourced() -> None:
    prices = cost.load_prices()
    datetime.date.fromisoformat(prices["as_of"])
    for name, price in prices["prices"].items():
        assert price["usd"] >= 0 and price["unit"] and price["source"], name
    assert {
        "dynamodb_write_request_unit",
        "lambda_gb_second",
        "sqs_request",
        "qdrant_cloud_gb_ram_month",
    } <= set(prices["prices"])


def test_a_meter_prices_each_service_from_its_counts() -> None:
    meter = cost.Meter(wru=20, rru=2, sqs=1, s3_put=1, s3_get=2, api_requests=1)
    meter.invocations["ChatFunction"] = 1
    meter.seconds["ChatFunction"] = 0.5  # 2 GB: 1 GB-second
    usd = cost.usd(meter, cost.load_prices())
    assert usd["DynamoDB"] == pytest.approx(20 * 0.625e-6 + 2 * 0.125e-6)
    assert usd["Lambda"] == pytest.approx(0.2e-6 + 1 * 1.66667e-5)
    assert usd["SQS"] == pytest.approx(0.4e-6) and usd["API Gateway"] == pytest.approx(3.5e-6)
    assert usd["S3"] == pytest.approx(5e-6 + 2 * 0.4e-6) and usd["model"] == 0
    half = meter.per(2)
    assert half.wru == 10 and half.seconds["ChatFunction"] == 0.25


def test_dynamodb_item_size_counts_names_and_values() -> None:
    item = {"pk": {"S": "TENANT#t"}, "n": {"N": "12345"}, "m": {"M": {"a": {"S": "xy"}}}}
    assert cost._size(item) == (2 + 8) + (1 + 1 + 2) + (1 + 3 + 1 + 2)


def test_qdrant_free_cluster_only_for_dev_and_machines_follow_ram() -> None:
    prices, q = cost.load_prices(), cost.Qdrant(ram_bytes_per_chunk=2000, disk_bytes_per_chunk=3000)
    assert cost.qdrant_month(1000, q, prices, "dev")[1] == 0
    assert cost.qdrant_month(1000, q, prices, "prod")[1] > 0
    assert "t4g.small" in cost.qdrant_month(1000, q, prices, "prod")[2]
    assert "r7g.2xlarge" in cost.qdrant_month(100_000_000, q, prices, "prod")[2]


def test_the_simulations_are_seeded_and_quick() -> None:
    started = time.perf_counter()
    assert hot_items(50, 64, 30) == hot_items(50, 64, 30)
    rows = month()
    assert rows == month() and time.perf_counter() - started < 60
    assert all(capacity > 0 and peak >= 0 for _, capacity, peak, _ in rows)
