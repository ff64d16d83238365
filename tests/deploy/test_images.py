"""Image functions: a Dockerfile each, built from the lock subsets, laid out as the template says."""

import re
from typing import Any

import pytest

from scripts.build.manifest import ARTIFACTS, ROOT
from scripts.localcloud.template import load_template

IMAGES = sorted(name for name, artifact in ARTIFACTS.items() if artifact.kind == "image")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


def dockerfile(template: dict[str, Any], name: str) -> str:
    path = ROOT / template["Resources"][name]["Metadata"]["Dockerfile"]
    return path.read_text()


def test_every_image_function_is_an_image_with_its_own_dockerfile(template: dict[str, Any]) -> None:
    images = {k for k, r in template["Resources"].items() if r["Properties"].get("PackageType") == "Image"}
    assert images == set(IMAGES)
    for name in IMAGES:
        resource = template["Resources"][name]
        assert resource["Metadata"]["DockerContext"] == "."
        assert (ROOT / resource["Metadata"]["Dockerfile"]).is_file()
        assert not {"Runtime", "Handler", "Layers", "CodeUri"} & set(resource["Properties"])


@pytest.mark.parametrize("name", IMAGES)
def test_the_dockerfile_installs_the_lock_subset_with_hashes(template: dict[str, Any], name: str) -> None:
    text = dockerfile(template, name)
    assert f"COPY scripts/build/requirements/{name}.txt" in text
    install = re.search(r"pip install(.*?)-r /tmp/requirements.txt", text, re.S)
    assert install and "--require-hashes" in install.group(1) and "--no-deps" in install.group(1)
    assert "FROM public.ecr.aws/lambda/python:3.13" in text
    assert "prune.py" in text and "bytecode.py" in text  # the same pruning and bytecode as the zip builds
    assert (ROOT / "scripts/build/requirements" / f"{name}.txt").is_file()


def test_the_ingest_image_runs_the_handler_the_template_names(template: dict[str, Any]) -> None:
    command = template["Resources"]["IngestFunction"]["Properties"]["ImageConfig"]["Command"]
    assert command == ["functions.ingest.handler.handler"]
    assert 'CMD ["functions.ingest.handler.handler"]' in dockerfile(template, "IngestFunction")
    assert (ROOT / "functions/ingest/handler.py").is_file() and (ROOT / "functions/__init__.py").is_file()


def test_the_chat_image_runs_the_web_adapter_and_uvicorn(template: dict[str, Any]) -> None:
    text = dockerfile(template, "ChatFunction")
    assert "/lambda-adapter /opt/extensions/lambda-adapter" in text
    assert 'ENTRYPOINT ["/var/task/run.sh"]' in text
    assert "functions/api/run.sh" in text and "functions/api/asgi.py" in text


def test_the_docker_context_lets_in_only_what_the_images_copy() -> None:
    rules = (ROOT / ".dockerignore").read_text().split()
    assert rules[rules.index("*") + 1 :] and "*" in rules
    for needed in ("scripts/build/requirements/", "layers/shared/minirag/", "functions/"):
        assert f"!{needed}" in rules
