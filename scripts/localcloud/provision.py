"""Provisions template.yaml's tables, queues and buckets on a local AWS endpoint.

The template is the one source of truth: nothing here lists resources by hand. Resources of other
types (functions, the API, the secret, alarms) are not provisioned; references to them stay
unresolved and the environment variables that need them are left out.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import boto3

from scripts.localcloud.buckets import ensure_bucket
from scripts.localcloud.intrinsics import NO_VALUE, Context, UnresolvableError, resolve
from scripts.localcloud.resources import Physical, ensure_queue, ensure_table
from scripts.localcloud.template import DEFAULT_TEMPLATE, FunctionSpec, functions, load_template

DEFAULT_PREFIX = "minirag-local"
_SERVICES = {"AWS::DynamoDB::Table": "dynamodb", "AWS::SQS::Queue": "sqs", "AWS::S3::Bucket": "s3"}


def aws_client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


@dataclass
class Stack:
    """The provisioned resources of one template on one endpoint, and the functions' environment."""

    endpoint_url: str
    region: str
    template: dict[str, Any]
    context: Context
    resources: dict[str, Physical]
    dynamodb_endpoint_url: str | None = None  # DynamoDB elsewhere (DynamoDB Local), the rest at endpoint_url

    def functions(self) -> list[FunctionSpec]:
        return list(functions(self.template))

    def function(self, logical_id: str) -> FunctionSpec:
        for spec in functions(self.template):
            if spec.logical_id == logical_id:
                return spec
        raise KeyError(f"no function {logical_id} in the template")

    def function_env(self, logical_id: str) -> dict[str, str]:
        return self._env(self.function(logical_id).environment)

    def env(self) -> dict[str, str]:
        """Globals plus every function's variables: locally all functions share one process."""
        merged: dict[str, Any] = {}
        for spec in functions(self.template):
            merged |= spec.environment
        return self._env(merged)

    def _env(self, variables: Mapping[str, Any]) -> dict[str, str]:
        env: dict[str, str] = {}
        for name, value in variables.items():
            try:
                resolved = resolve(value, self.context)
            except UnresolvableError:
                continue  # e.g. MINIRAG_SECRETS_ARN: the secret is not provisioned locally
            if resolved is not NO_VALUE:
                env[name] = str(resolved).lower() if isinstance(resolved, bool) else str(resolved)
        if self.dynamodb_endpoint_url:
            env["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb_endpoint_url
        return env | {
            "MINIRAG_ENV": "local",
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        }


def _creator(
    kind: str, endpoint_url: str, region: str, dynamodb_endpoint_url: str | None = None
) -> Callable[[str, dict[str, Any]], Physical]:
    if kind == "AWS::DynamoDB::Table" and dynamodb_endpoint_url:
        endpoint_url = dynamodb_endpoint_url
    client = aws_client(_SERVICES[kind], endpoint_url, region)
    if kind == "AWS::S3::Bucket":
        return partial(ensure_bucket, client, region=region)
    return partial(ensure_table if kind == "AWS::DynamoDB::Table" else ensure_queue, client)


def _wanted(template: dict[str, Any], ctx: Context) -> dict[str, dict[str, Any]]:
    resources = template["Resources"].items()
    return {
        logical_id: resource
        for logical_id, resource in resources
        if resource.get("Type") in _SERVICES
        and ("Condition" not in resource or ctx.condition(resource["Condition"]))
    }


def provision_stack(
    endpoint_url: str,
    *,
    template: Path = DEFAULT_TEMPLATE,
    prefix: str = DEFAULT_PREFIX,
    parameters: Mapping[str, str] | None = None,
    region: str | None = None,
    dynamodb_endpoint_url: str | None = None,
) -> Stack:
    """Creates what is missing, in dependency order (a DLQ before the queue whose redrive names it).
    With `dynamodb_endpoint_url`, tables go there and everything else to `endpoint_url`."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    document = load_template(template)
    ctx = Context(document, region=region, stack_name=prefix, parameters=dict(parameters or {}))
    pending = _wanted(document, ctx)
    creators = {
        kind: _creator(kind, endpoint_url, region, dynamodb_endpoint_url)
        for kind in {r["Type"] for r in pending.values()}
    }
    resources: dict[str, Physical] = {}
    while pending:
        progressed, blocked = False, ""
        for logical_id, resource in list(pending.items()):
            try:
                props = resolve(resource.get("Properties", {}), ctx)
            except UnresolvableError as exc:
                blocked = f"{logical_id} needs {exc}"
                continue
            physical = creators[resource["Type"]](f"{prefix}-{logical_id}", props)
            resources[logical_id] = physical
            ctx.refs[logical_id] = physical.ref
            ctx.attrs.update({(logical_id, name): value for name, value in physical.attrs.items()})
            del pending[logical_id]
            progressed = True
        if not progressed:
            raise RuntimeError(f"cannot provision locally: {blocked}")
    return Stack(endpoint_url, region, document, ctx, resources, dynamodb_endpoint_url)


def provision(
    endpoint_url: str, *, template: Path = DEFAULT_TEMPLATE, prefix: str = DEFAULT_PREFIX
) -> dict[str, str]:
    """Provisions the template's tables, queues and buckets; returns the functions' environment."""
    return provision_stack(endpoint_url, template=template, prefix=prefix).env()
