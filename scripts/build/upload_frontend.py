"""Uploads the dashboard and the widget to the stack's dashboard bucket and refreshes CloudFront.

`python -m scripts.build.upload_frontend --stack-name minirag-dev [--region us-east-1]`

The distribution serves the bucket and forwards /v1/* and /health to the API stage, so config.json gets
an empty apiBaseUrl (same origin) and the widget's URL on the distribution. HTML and config.json are sent
with no-cache; the rest may be cached for a day (CloudFront's CachingOptimized policy), and an
invalidation of /* makes a new upload visible at once.
"""

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "frontend" / "dashboard"
WIDGET = ROOT / "frontend" / "widget" / "minirag-widget.js"
NO_CACHE = "no-cache"
CACHE = "public, max-age=86400"


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def files(dashboard: Path, widget: Path) -> list[tuple[Path, str]]:
    """(local file, key): the dashboard at the bucket's root, the widget script under widget/ and under
    dashboard/widget/, the path the original MiniRAG's embed snippets load it from."""
    if not (dashboard / "vendor").is_dir():
        raise RuntimeError(f"{dashboard}/vendor is missing: run `sh frontend/scripts/setup.sh` first")
    found = [(p, p.relative_to(dashboard).as_posix()) for p in sorted(dashboard.rglob("*")) if p.is_file()]
    found = [(p, key) for p, key in found if key != "config.json"]
    return [*found, (widget, "widget/minirag-widget.js"), (widget, "dashboard/widget/minirag-widget.js")]


def upload(s3: Any, bucket: str, base_url: str, *, dashboard: Path = DASHBOARD, widget: Path = WIDGET) -> int:
    uploaded = 0
    for path, key in files(dashboard, widget):
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = NO_CACHE if path.suffix == ".html" else CACHE
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type, CacheControl=cache
        )
        uploaded += 1
    config = {"apiBaseUrl": "", "widgetScriptUrl": f"{base_url.rstrip('/')}/widget/minirag-widget.js"}
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config, indent=2).encode(),
        ContentType="application/json",
        CacheControl=NO_CACHE,
    )
    return uploaded + 1


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    batch = {"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"minirag-{time.time_ns()}"}
    result = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch=batch)
    return str(result["Invalidation"]["Id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build.upload_frontend", description=__doc__)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    count = upload(session.client("s3"), outputs["DashboardBucketName"], outputs["DashboardUrl"])
    invalidation = invalidate(session.client("cloudfront"), outputs["DashboardDistributionId"])
    print(f"uploaded {count} files to s3://{outputs['DashboardBucketName']}; invalidation {invalidation}")
    print(f"dashboard: {outputs['DashboardUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
