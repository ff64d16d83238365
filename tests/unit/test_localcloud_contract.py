"""The Lambda contracts the local cloud emulates, and the intrinsic functions it resolves."""

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from scripts.localcloud.__main__ import _wire_functions
from scripts.localcloud.intrinsics import NO_VALUE, Context, UnresolvableError, resolve
from scripts.localcloud.schedules import rate_seconds
from scripts.localcloud.sqs_events import failed_message_ids
from scripts.localcloud.template import FunctionSpec, functions, load_template

BATCH = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        ({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}, {"m1", "m3"}),
        ({"batchItemFailures": [{"itemIdentifier": "elsewhere"}]}, set(BATCH)),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(BATCH)),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, set(BATCH)),
        ({"batchItemFailures": [{"id": "m1"}]}, set(BATCH)),
        ({"batchItemFailures": "m1"}, set(BATCH)),
        ("m1", set(BATCH)),
        (["m1"], set(BATCH)),
    ],
)
def test_partial_batch_responses_follow_lambda(response: Any, failed: set[str]) -> None:
    assert failed_message_ids(response, BATCH, report_failures=True) == failed


def test_without_report_batch_item_failures_the_response_is_ignored() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert failed_message_ids(response, BATCH, report_failures=False) == set()


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(15 minutes)", 900), ("rate(1 minute)", 60), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


def test_cron_expressions_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        rate_seconds("cron(0 12 * * ? *)")


def _context() -> Context:
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}, "Origins": {"Default": "a,b"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {},
    }
    ctx = Context(template, parameters={})
    ctx.refs["Queue"] = "http://local/q"
    ctx.attrs[("Queue", "Arn")] = "arn:aws:sqs:us-east-1:123456789012:q"
    return ctx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Queue"}, "http://local/q"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:q"),
        ({"Fn::Sub": "${Stage}-${Queue.Arn}-${AWS::Region}-${!Literal}"},
         "dev-arn:aws:sqs:us-east-1:123456789012:q-us-east-1-${Literal}"),
        ({"Fn::Sub": ["${x}/${Stage}", {"x": {"Ref": "Queue"}}]}, "http://local/q/dev"),
        ({"Fn::If": ["IsProd", "INFO", "DEBUG"]}, "DEBUG"),
        ({"Fn::Split": [",", {"Ref": "Origins"}]}, ["a", "b"]),
        ({"Fn::Select": [1, {"Fn::Split": [",", {"Ref": "Origins"}]}]}, "b"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-dev"),
        ({"keep": 1, "drop": {"Ref": "AWS::NoValue"}}, {"keep": 1}),
        ([1, {"Fn::If": ["IsProd", 2, {"Ref": "AWS::NoValue"}]}], [1]),
    ],
)  # fmt: skip
def test_intrinsics_resolve_against_local_names(value: Any, expected: Any) -> None:
    assert resolve(value, _context()) == expected


def test_parameter_overrides_win_over_defaults() -> None:
    ctx = _context()
    ctx.parameters["Stage"] = "prod"
    assert resolve({"Fn::If": ["IsProd", "INFO", "DEBUG"]}, ctx) == "INFO"


def test_references_to_what_is_not_provisioned_are_unresolvable() -> None:
    with pytest.raises(UnresolvableError):
        resolve({"Ref": "KeysSecret"}, _context())
    assert resolve({"Ref": "AWS::NoValue"}, _context()) is NO_VALUE


def test_handler_module_comes_from_code_uri_and_handler() -> None:
    spec = FunctionSpec("IngestFunction", "functions/ingest", "handler.handler", 300, 2048, {}, {})
    assert (spec.module, spec.attribute) == ("functions.ingest.handler", "handler")


def test_make_run_warns_only_of_functions_whose_events_nobody_would_consume(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ChatFunction (an image whose command is run.sh) is served by the API process: no warning for it."""
    specs = list(functions(load_template()))
    started: dict[str, list[str]] = {}
    queue_only = FunctionSpec(
        "Orphan", "functions/none", "handler.handler", 3, 128, {}, {"Q": {"Type": "SQS"}}
    )
    cloud = SimpleNamespace(
        stack=SimpleNamespace(functions=lambda: [*specs, queue_only]),
        start_pollers=lambda functions: started.setdefault("pollers", functions),
        start_schedules=lambda functions: started.setdefault("schedules", functions),
    )
    with caplog.at_level(logging.WARNING, logger="localcloud"):
        wired = _wire_functions(cloud)  # type: ignore[arg-type]
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == ["Orphan: handler module not found; its events are not consumed"]
    assert "ChatFunction" not in wired and {"IngestFunction", "WebhookFunction", "RefreshFunction"} <= set(
        wired
    )
    assert started["pollers"] == wired
