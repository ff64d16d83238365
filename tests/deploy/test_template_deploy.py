"""template.yaml's deployment rules: build methods, limits, alarms, dashboard, data safety, environments."""

import tomllib
from typing import Any

import pytest

from scripts.build.manifest import ARTIFACTS, ROOT
from scripts.localcloud.template import load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_zip_artifacts_are_built_by_scripts_build(template: dict[str, Any]) -> None:
    zipped = {n for n, a in ARTIFACTS.items() if a.kind in ("zip", "layer")}
    for name in zipped:
        metadata = template["Resources"][name]["Metadata"]
        assert metadata == {"BuildMethod": "makefile", "ContextPath": "scripts/build"}, name
    assert "build-%:" in (ROOT / "scripts/build/Makefile").read_text()


def test_zip_functions_run_python_313_on_the_shared_layer(template: dict[str, Any]) -> None:
    for name, artifact in ARTIFACTS.items():
        if artifact.kind != "zip":
            continue
        props = template["Resources"][name]["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["Layers"] == [{"Ref": layer} for layer in artifact.layers]
        assert len(props["Layers"]) <= 5


def test_every_function_has_an_errors_alarm_that_notifies(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        d["Value"]["Ref"]
        for alarm in alarms
        if alarm["Properties"]["MetricName"] == "Errors"
        for d in alarm["Properties"]["Dimensions"]
    }
    assert watched == set(resources(template, "AWS::Serverless::Function"))
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_the_dashboard_bucket_is_private_behind_cloudfront_oac(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["DashboardBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    origins = template["Resources"]["DashboardDistribution"]["Properties"]["DistributionConfig"]["Origins"]
    s3 = next(o for o in origins if o["Id"] == "dashboard")
    assert s3["OriginAccessControlId"] == {"Fn::GetAtt": ["DashboardOriginAccessControl", "Id"]}
    assert s3["S3OriginConfig"]["OriginAccessIdentity"] == ""
    allow = template["Resources"]["DashboardBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert (
        "distribution/${DashboardDistribution}"
        in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    )


def test_the_table_keeps_its_data(template: dict[str, Any]) -> None:
    props = template["Resources"]["MiniRagTable"]["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"]["Enabled"] is True
    assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}


def test_a_deployed_stack_needs_a_qdrant_server(template: dict[str, Any]) -> None:
    (assertion,) = template["Rules"]["QdrantServerRequired"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "QdrantUrl"}, ""]}]}


def test_snapstart_and_provisioned_concurrency_are_parameters(template: dict[str, Any]) -> None:
    api = template["Resources"]["ApiFunction"]["Properties"]
    assert api["AutoPublishAlias"] == "live" and api["SnapStart"] == {"ApplyOn": {"Ref": "ApiSnapStart"}}
    chat = template["Resources"]["ChatFunction"]["Properties"]
    assert chat["AutoPublishAlias"] == "live"
    assert chat["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasChatProvisionedConcurrency"


def test_the_webhook_function_may_delay_its_own_messages(template: dict[str, Any]) -> None:
    """retry_later is ChangeMessageVisibility, which the SQS event source's managed policy lacks."""
    policies = template["Resources"]["WebhookFunction"]["Properties"]["Policies"]
    assert {"SQSPollerPolicy": {"QueueName": {"Fn::GetAtt": ["WebhookQueue", "QueueName"]}}} in policies


def test_streaming_routes_leave_their_other_methods_to_the_api_function(template: dict[str, Any]) -> None:
    events = template["Resources"]["ApiFunction"]["Properties"]["Events"].values()
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events}
    assert {("/v1/chat", "ANY"), ("/v1/openai/{bot_id}/chat/completions", "OPTIONS")} <= routes
    assert {("/v1/bot-profiles/{bot_id}/retrieve", "ANY"), ("/v1/mcp/{bot_id}", "ANY")} <= routes
    assert {("/v1/bot-profiles", "ANY"), ("/v1/bot-profiles/{bot_id}", "ANY")} <= routes
    assert ("/v1/bot-profiles/{bot_id}/{proxy+}", "ANY") in routes
    curated = "/v1/bot-profiles/{bot_id}/curated-answers"
    assert {(curated, "ANY"), (curated + "/{curated_id}", "ANY")} <= routes


def test_retrieve_and_mcp_run_where_the_embedders_are(template: dict[str, Any]) -> None:
    events = template["Resources"]["ChatFunction"]["Properties"]["Events"].values()
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events}
    assert {("/v1/bot-profiles/{bot_id}/retrieve", "POST"), ("/v1/mcp/{bot_id}", "POST")} <= routes
    curated = "/v1/bot-profiles/{bot_id}/curated-answers"
    assert {(curated, "POST"), (curated + "/{curated_id}", "PATCH")} <= routes, "writes embed questions"


def test_samconfig_has_dev_and_prod_with_every_parameter(template: dict[str, Any]) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    wanted = {
        "Stage",
        "QdrantUrl",
        "QdrantApiKeySecretArn",
        "DefaultModel",
        "DefaultEmbeddingModel",
        "CorsOrigins",
    }
    assert wanted <= set(template["Parameters"])
    for env in ("dev", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        given = {item.split("=", 1)[0] for item in deploy["parameter_overrides"]}
        assert given == set(template["Parameters"]), env
        assert deploy["resolve_image_repos"] is True and config[env]["build"]["parameters"]["cached"] is False
