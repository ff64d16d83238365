"""Dashboard upload: every file under its key with a content type, config.json pointing at the same origin."""

import json
import uuid
from pathlib import Path

import boto3
import pytest

from scripts.build.upload_frontend import files, upload


def site(tmp_path: Path) -> tuple[Path, Path]:
    dashboard, widget = tmp_path / "dashboard", tmp_path / "widget.js"
    for rel in ("index.html", "js/api.js", "css/app.css", "vendor/alpine.js", "config.json"):
        (dashboard / rel).parent.mkdir(parents=True, exist_ok=True)
        (dashboard / rel).write_text(rel)
    widget.write_text("widget")
    return dashboard, widget


def test_upload_puts_the_dashboard_at_the_root_and_the_widget_under_widget_and_dashboard_widget(
    tmp_path: Path, aws_endpoint: str
) -> None:
    """On the shared local endpoint: moto's in-process mock_aws would reset every backend of this process
    (the other tests' tables and queues) when it exits."""
    dashboard, widget = site(tmp_path)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=aws_endpoint)
    bucket = f"dash-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    count = upload(s3, bucket, "https://d123.cloudfront.net/", dashboard=dashboard, widget=widget)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    index = s3.get_object(Bucket=bucket, Key="index.html")
    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    script = s3.get_object(Bucket=bucket, Key="widget/minirag-widget.js")
    original_path = s3.get_object(Bucket=bucket, Key="dashboard/widget/minirag-widget.js")
    assert count == 7
    assert keys == {
        "index.html",
        "js/api.js",
        "css/app.css",
        "vendor/alpine.js",
        "config.json",
        "widget/minirag-widget.js",
        "dashboard/widget/minirag-widget.js",
    }
    assert index["ContentType"] == "text/html" and index["CacheControl"] == "no-cache"
    for served in (script, original_path):
        assert served["ContentType"] in ("text/javascript", "application/javascript")
    assert original_path["Body"].read() == b"widget", "the original MiniRAG's snippet path serves our widget"
    assert config == {
        "apiBaseUrl": "",
        "widgetScriptUrl": "https://d123.cloudfront.net/widget/minirag-widget.js",
    }


def test_without_the_vendored_libraries_it_says_how_to_get_them(tmp_path: Path) -> None:
    dashboard, widget = site(tmp_path)
    (dashboard / "vendor" / "alpine.js").unlink()
    (dashboard / "vendor").rmdir()
    with pytest.raises(RuntimeError, match=r"frontend/scripts/setup\.sh"):
        files(dashboard, widget)


def test_the_favicon_goes_to_the_root_where_browsers_ask_for_it() -> None:
    from scripts.build.upload_frontend import DASHBOARD, WIDGET

    assert (DASHBOARD / "favicon.ico", "favicon.ico") in files(DASHBOARD, WIDGET)
