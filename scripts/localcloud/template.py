"""Reads template.yaml: a YAML loader that keeps CloudFormation short tags as their long JSON forms."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = ROOT / "template.yaml"

_FN_TAGS = (
    "And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Length",
    "Not", "Or", "Select", "Split", "Sub", "ToJsonString", "Transform",
)  # fmt: skip


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands !Ref, !GetAtt, !Condition and every !Fn short form."""


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _add(tag: str, key: str) -> None:
    def constructor(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _construct(node, loader)
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: value}

    CfnLoader.add_constructor(tag, constructor)


_add("!Ref", "Ref")
_add("!Condition", "Condition")
_add("!GetAtt", "Fn::GetAtt")
for _name in _FN_TAGS:
    _add(f"!{_name}", f"Fn::{_name}")


def load_template(path: Path = DEFAULT_TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=CfnLoader)  # noqa: S506 (CfnLoader is a SafeLoader)
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError(f"{path} is not a CloudFormation template")
    return document


_HTTP_EVENTS = {"Api", "HttpApi"}


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function with Globals applied (the parts the local runner uses)."""

    logical_id: str
    code_uri: str
    handler: str
    timeout: int
    memory_mb: int
    environment: dict[str, Any]
    events: dict[str, dict[str, Any]]

    @property
    def module(self) -> str:
        """functions/ingest + handler.handler -> functions.ingest.handler"""
        parts = [p for p in Path(self.code_uri).parts if p not in (".", "")]
        return ".".join([*parts, self.handler.rsplit(".", 1)[0]])

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def served_by_api(self) -> bool:
        """Its events are all HTTP (Api, HttpApi): the local API process answers them, so the local
        runner never calls its handler (ChatFunction's image command is no Python module at all)."""
        kinds = {str(event.get("Type")) for event in self.events.values()}
        return bool(kinds) and kinds <= _HTTP_EVENTS


def _image_command(props: dict[str, Any]) -> str:
    """Image functions name no Handler; their command stands in (the local runner serves them as the API)."""
    command = (props.get("ImageConfig") or {}).get("Command") or ["image"]
    return str(command[0])


def functions(template: dict[str, Any]) -> Iterator[FunctionSpec]:
    defaults = template.get("Globals", {}).get("Function", {})
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**defaults, **resource.get("Properties", {})}
        env = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **resource.get("Properties", {}).get("Environment", {}).get("Variables", {}),
        }
        yield FunctionSpec(
            logical_id=logical_id,
            code_uri=str(props.get("CodeUri", ".")),
            handler=str(props.get("Handler") or _image_command(props)),
            timeout=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            environment=env,
            events=dict(props.get("Events") or {}),
        )
