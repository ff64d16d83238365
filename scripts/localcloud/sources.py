"""Reads the functions' SQS and schedule events from the provisioned stack."""

from typing import Any

from scripts.localcloud.intrinsics import resolve
from scripts.localcloud.poller import SqsSource
from scripts.localcloud.provision import Stack
from scripts.localcloud.schedules import ScheduleSource


def _events(stack: Stack, kind: tuple[str, ...]) -> list[tuple[str, str, str, dict[str, Any]]]:
    found = []
    for spec in stack.functions():
        for event_id, event in spec.events.items():
            if event.get("Type") in kind:
                props = resolve(event.get("Properties", {}), stack.context)
                found.append((spec.logical_id, event_id, event["Type"], props))
    return found


def sqs_sources(stack: Stack) -> list[SqsSource]:
    urls = {physical.attrs.get("Arn"): physical.ref for physical in stack.resources.values()}
    sources = []
    for function, _, _, props in _events(stack, ("SQS",)):
        if props.get("Enabled", True) is False:
            continue
        sources.append(
            SqsSource(
                function=function,
                queue_url=urls[props["Queue"]],
                queue_arn=props["Queue"],
                region=stack.region,
                batch_size=int(props.get("BatchSize", 10)),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            )
        )
    return sources


def schedule_sources(stack: Stack) -> list[ScheduleSource]:
    ctx = stack.context
    sources = []
    for function, event_id, kind, props in _events(stack, ("Schedule", "ScheduleV2")):
        if kind == "ScheduleV2":
            name = props.get("Name", f"{ctx.stack_name}-{function}-{event_id}")
            arn = f"arn:aws:scheduler:{ctx.region}:{ctx.account}:schedule/default/{name}"
            expression = props["ScheduleExpression"]
        else:
            name = props.get("Name", f"{ctx.stack_name}-{function}-{event_id}")
            arn = f"arn:aws:events:{ctx.region}:{ctx.account}:rule/{name}"
            expression = props["Schedule"]
        enabled = props.get("State", "ENABLED") != "DISABLED" and props.get("Enabled", True) is not False
        sources.append(
            ScheduleSource(
                function=function,
                kind=kind,
                arn=arn,
                expression=expression,
                input=props.get("Input"),
                region=ctx.region,
                account=ctx.account,
                enabled=enabled,
            )
        )
    return sources
