"""template.yaml: parses with the tag-tolerant loader and keeps the rules the platform relies on."""

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from scripts.localcloud.intrinsics import Context, resolve
from scripts.localcloud.template import DEFAULT_TEMPLATE, functions, load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(DEFAULT_TEMPLATE)


@pytest.fixture(scope="module")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation SAM would deploy (offline; local code URIs replaced as cfn-lint does)."""
    document = copy.deepcopy(template)
    for resource in document["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://bucket/{resource['Properties'][key]}"
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1"))
    return translator.translate(document, parameter_values={}, get_managed_policy_map=dict)


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield node
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _sqs_events(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (spec.logical_id, event["Properties"])
        for spec in functions(template)
        for event in spec.events.values()
        if event["Type"] == "SQS"
    ]


def test_short_tags_load_as_their_long_forms(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["MINIRAG_TABLE_NAME"] == {"Ref": "MiniRagTable"}
    assert template["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["IngestDLQ", "Arn"]
    }
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def test_every_sqs_event_source_reports_batch_item_failures(template: dict[str, Any]) -> None:
    events = _sqs_events(template)
    assert {function for function, _ in events} >= {"IngestFunction", "WebhookFunction"}
    for function, props in events:
        assert "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []), function


def test_queue_visibility_is_six_times_the_consumer_timeout(template: dict[str, Any]) -> None:
    timeouts = {spec.logical_id: spec.timeout for spec in functions(template)}
    for function, props in _sqs_events(template):
        queue = props["Queue"]["Fn::GetAtt"][0]
        visibility = template["Resources"][queue]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * timeouts[function], (queue, function)


def test_no_iam_statement_allows_every_resource(template: dict[str, Any], translated: dict[str, Any]) -> None:
    statements = [*_statements(template), *_statements(translated)]
    assert len(statements) > 10  # the walk does find the policy templates' statements
    for statement in statements:
        resources = statement.get("Resource", [])
        assert "*" not in (resources if isinstance(resources, list) else [resources]), statement


def test_functions_use_policy_templates_not_broad_managed_policies(template: dict[str, Any]) -> None:
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            assert all(isinstance(policy, dict) for policy in resource["Properties"].get("Policies", []))


def test_every_code_folder_exists(template: dict[str, Any]) -> None:
    specs = list(functions(template))
    assert {spec.logical_id for spec in specs} >= {
        "ApiFunction",
        "IngestFunction",
        "WebhookFunction",
        "RefreshFunction",
    }
    for spec in specs:
        assert (ROOT / spec.code_uri).is_dir(), spec.code_uri
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert (ROOT / resource["Properties"]["ContentUri"]).is_dir()


def test_globals_give_every_function_the_platform_environment(template: dict[str, Any]) -> None:
    expected = {
        "MINIRAG_ENV", "MINIRAG_TABLE_NAME", "MINIRAG_INGEST_QUEUE_URL", "MINIRAG_WEBHOOK_QUEUE_URL",
        "MINIRAG_UPLOADS_BUCKET", "MINIRAG_SECRETS_ARN", "MINIRAG_CORS_ORIGINS", "MINIRAG_QDRANT_URL",
        "LITELLM_LOCAL_MODEL_COST_MAP", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }  # fmt: skip
    for spec in functions(template):
        assert expected <= set(spec.environment), spec.logical_id


def test_the_table_has_both_indexes_and_ttl(template: dict[str, Any]) -> None:
    props = template["Resources"]["MiniRagTable"]["Properties"]
    assert {index["IndexName"] for index in props["GlobalSecondaryIndexes"]} == {"gsi1", "refresh"}
    assert props["TimeToLiveSpecification"]["AttributeName"] == "ttl"
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_the_schedule_input_is_a_scheduler_event(template: dict[str, Any]) -> None:
    (event,) = next(s for s in functions(template) if s.logical_id == "RefreshFunction").events.values()
    text = resolve(event["Properties"]["Input"], Context(template))

    payload = json.loads(text)

    assert event["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    assert payload["source"] == "aws.scheduler"
    assert payload["detail-type"] == "Scheduled Event"
    assert payload["resources"] == ["<aws.scheduler.schedule-arn>"]
    assert payload["account"] == "123456789012"


def test_the_sample_events_are_valid_json() -> None:
    names = {p.name for p in (ROOT / "events").glob("*.json")}
    expected = ["api_health", "api_create_tenant", "sqs_ingest", "sqs_webhook", "scheduler_refresh"]
    assert names >= {f"{name}.json" for name in expected}
    for name in names:
        json.loads((ROOT / "events" / name).read_text())


def test_chat_routes_stream_through_api_gateway_and_a_function_url(translated: dict[str, Any]) -> None:
    """SAM must turn ResponseTransferMode into a streaming integration (the value STREAM would be ignored)."""
    paths = translated["Resources"]["MiniRagApi"]["Properties"]["Body"]["paths"]
    for path in ("/v1/chat", "/v1/openai/{bot_id}/chat/completions"):
        integration = paths[path]["post"]["x-amazon-apigateway-integration"]
        assert integration["responseTransferMode"] == "STREAM"
        assert "response-streaming-invocations" in json.dumps(integration["uri"])
    urls = [r for r in translated["Resources"].values() if r["Type"] == "AWS::Lambda::Url"]
    assert [u["Properties"]["InvokeMode"] for u in urls] == ["RESPONSE_STREAM"]


def test_the_streaming_function_runs_under_lambda_web_adapter(template: dict[str, Any]) -> None:
    chat = template["Resources"]["ChatFunction"]["Properties"]
    assert chat["Environment"]["Variables"]["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert chat["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert (ROOT / "functions/api/run.sh").stat().st_mode & 0o111, "run.sh must be executable"
