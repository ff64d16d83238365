"""Resolves CloudFormation intrinsic functions against local physical names and parameter defaults."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = object()  # AWS::NoValue: the enclosing key or list item disappears
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class UnresolvableError(LookupError):
    """A reference to something the local cloud does not provide (a secret, an API, a role...)."""


@dataclass
class Context:
    template: dict[str, Any]
    region: str = "us-east-1"
    account: str = "123456789012"
    stack_name: str = "minirag-local"
    parameters: dict[str, Any] = field(default_factory=dict)  # overrides of the template's defaults
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> physical ref value
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)  # (logical id, attribute) -> value

    def parameter_defaults(self) -> dict[str, Any]:
        params = self.template.get("Parameters", {})
        defaults = {name: spec["Default"] for name, spec in params.items() if "Default" in spec}
        return defaults | self.parameters

    def pseudo(self) -> dict[str, Any]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/0",
            "AWS::NoValue": NO_VALUE,
        }

    def ref(self, name: str) -> Any:
        for scope in (self.pseudo(), self.parameter_defaults(), self.refs):
            if name in scope:
                return scope[name]
        raise UnresolvableError(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attrs[(logical_id, attribute)]
        except KeyError:
            raise UnresolvableError(f"{logical_id}.{attribute}") from None

    def condition(self, name: str) -> bool:
        return bool(resolve(self.template.get("Conditions", {})[name], self))


def _sub(args: Any, ctx: Context) -> str:
    text, variables = (args, {}) if isinstance(args, str) else (args[0], resolve(args[1], ctx))

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            return ctx.get_att(*name.split(".", 1))
        return str(ctx.ref(name))

    return _SUB_VAR.sub(replace, text)


def _call(name: str, args: Any, ctx: Context) -> Any:
    match name:
        case "Ref":
            return ctx.ref(args)
        case "Condition":
            return ctx.condition(args)
        case "Fn::GetAtt":
            logical_id, attribute = args if isinstance(args, list) else args.split(".", 1)
            return ctx.get_att(logical_id, attribute)
        case "Fn::Sub":
            return _sub(args, ctx)
        case "Fn::If":
            cond, when_true, when_false = args
            return resolve(when_true if ctx.condition(cond) else when_false, ctx)
        case "Fn::Equals":
            left, right = (resolve(a, ctx) for a in args)
            return str(left) == str(right)
        case "Fn::Not":
            return not resolve(args[0], ctx)
        case "Fn::And":
            return all(resolve(a, ctx) for a in args)
        case "Fn::Or":
            return any(resolve(a, ctx) for a in args)
        case "Fn::Join":
            return str(args[0]).join(str(item) for item in resolve(args[1], ctx))
        case "Fn::Split":
            return str(resolve(args[1], ctx)).split(str(args[0]))
        case "Fn::Select":
            return resolve(args[1], ctx)[int(resolve(args[0], ctx))]
        case "Fn::FindInMap":
            top, first, second = (resolve(a, ctx) for a in args[:3])
            return ctx.template["Mappings"][top][first][second]
        case "Fn::ToJsonString":
            return json.dumps(resolve(args, ctx), separators=(",", ":"))
        case _:
            raise UnresolvableError(name)


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key, args = next(iter(value.items()))
    return key == "Ref" or key.startswith("Fn::") or (key == "Condition" and isinstance(args, str))


def resolve(value: Any, ctx: Context) -> Any:
    """The value with every intrinsic evaluated; raises UnresolvableError for what isn't local."""
    if isinstance(value, dict):
        if _is_intrinsic(value):
            name, args = next(iter(value.items()))
            return _call(name, args, ctx)
        items = ((key, resolve(item, ctx)) for key, item in value.items())
        return {key: item for key, item in items if item is not NO_VALUE}
    if isinstance(value, list):
        return [item for item in (resolve(v, ctx) for v in value) if item is not NO_VALUE]
    return value
