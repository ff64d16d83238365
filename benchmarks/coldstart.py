"""Cold start of each function, measured from the BUILT artifacts in fresh interpreters.

Run (after `make build`): PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.coldstart
       [--runs 7] [--build-dir .aws-sam/build] [--images-dir build/images] [--write] [--max-api-init 1.0]

Each run starts the venv's base interpreter with -S (no site-packages) and PYTHONPATH set to the
artifact's code roots in Lambda's order (function, then layers), then times the handler module's import
(the INIT phase) and, for the API, its first request (GET /health: the services are wired on first use).
"with bytecode" is the artifact as built; "without" points -X pycache_prefix at a folder that holds only
the standard library's bytecode and forbids writing, which is what an artifact without .pyc files costs
in Lambda's read-only /var/task. Medians of --runs, as wall time and as the process's CPU time: on a
shared machine the wall time grows with the load average, the CPU time is what an idle core would take.
--write replaces this benchmark's section of benchmarks/RESULTS.md.

The CI gate (--max-api-ratio) is relative: the API handler's import CPU divided by the import CPU of the
framework it cannot do without (FastAPI, Mangum, botocore, PynamoDB, pydantic-settings, httpx), measured
in the same run from the same artifact. An absolute limit in seconds measured the machine, not the code:
the same commit's import took 0.64 s of CPU on one day and 1.16 s on another on this shared machine,
while the framework floor moved by the same factor. --max-api-init (seconds) remains for a quiet machine.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.results import machine, write_section
from scripts.build.manifest import ARTIFACTS, ROOT
from scripts.build.verify import base_python, code_roots

# The child: import, optional first call, and which of the artifact's modules came from bytecode.
_CHILD = r"""
import json, os, sys, time
roots = os.environ["PYTHONPATH"].split(os.pathsep)
started, cpu = time.perf_counter(), time.process_time()
for name in sys.argv[1].split(","):
    module = __import__(name, fromlist=["_"])
imported, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
first_call = None
if sys.argv[2] == "api-health":
    event = json.loads(open(os.environ["HEALTH_EVENT"]).read())
    started = time.perf_counter()
    response = module.handler(event, None)
    first_call = time.perf_counter() - started
    assert response["statusCode"] == 200, response
elif sys.argv[2] == "litellm":
    started = time.perf_counter()
    import litellm  # noqa: F401
    first_call = time.perf_counter() - started
own = [m for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(tuple(roots))]
print("COLD " + json.dumps({"import": imported, "cpu": imported_cpu, "first_call": first_call, "modules": len(own)}))
"""


@dataclass(frozen=True)
class Target:
    function: str
    module: str
    then: str  # "", "api-health" or "litellm"


# What any API on this stack imports before a line of ours: the denominator of the CI gate.
FLOOR = Target("ApiFunction", "fastapi,mangum,botocore.session,pynamodb.models,pydantic_settings,httpx", "")

TARGETS = (
    Target("ApiFunction", "handler", "api-health"),
    Target("WebhookFunction", "handler", ""),
    Target("RefreshFunction", "handler", ""),
    Target("ChatFunction", "asgi", "litellm"),
    Target("IngestFunction", "functions.ingest.handler", ""),
)


def _env(roots: list[Path], data_dir: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(str(r) for r in roots),
        "PYTHONNOUSERSITE": "1",
        "HEALTH_EVENT": str(ROOT / "events" / "api_health.json"),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "MINIRAG_ENV": "test",
        "MINIRAG_DATA_DIR": str(data_dir),
        "MINIRAG_QDRANT_URL": "http://127.0.0.1:6333",  # as in AWS: a server, contacted on first use only
        "MINIRAG_JWT_SECRET": "coldstart-" + "x" * 40,
        "MINIRAG_FERNET_KEYS": Fernet.generate_key().decode(),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "POWERTOOLS_SERVICE_NAME": "minirag",
    }


def stdlib_only_pycache(folder: Path) -> Path:
    """A pycache_prefix tree with the standard library's bytecode only (Lambda's runtime ships it)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    subprocess.run(  # noqa: S603
        [base_python(), "-S", "-X", f"pycache_prefix={folder}", "-m", "compileall", "-q", "-j0", stdlib],
        check=False,
        capture_output=True,
    )
    return folder


def measure(target: Target, roots: list[Path], *, bytecode: bool, runs: int, prefix: Path) -> dict[str, Any]:
    flags = [] if bytecode else ["-B", "-X", f"pycache_prefix={prefix}"]
    samples = []
    with tempfile.TemporaryDirectory(prefix="minirag-cold-") as data:
        env = _env(roots, Path(data))
        for _ in range(runs):
            done = subprocess.run(  # noqa: S603
                [base_python(), "-S", "-P", *flags, "-c", _CHILD, target.module, target.then],
                env=env,
                cwd=roots[0],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            line = next((x for x in done.stdout.splitlines() if x.startswith("COLD ")), None)
            if line is None:
                raise RuntimeError(f"{target.function}: {done.stderr[-3000:]}")
            samples.append(json.loads(line[5:]))
    first_calls = [s["first_call"] for s in samples if s["first_call"] is not None]
    return {
        "import": statistics.median(s["import"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "first_call": statistics.median(first_calls) if first_calls else None,
        "modules": samples[0]["modules"],
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    folders = {}
    for name in ARTIFACTS:
        built = args.build_dir / name
        folders[name] = built if built.exists() else args.images_dir / name
    rows = []
    with tempfile.TemporaryDirectory(prefix="minirag-stdlib-pyc-") as tmp:
        prefix = stdlib_only_pycache(Path(tmp))
        for target in TARGETS:
            if args.functions and target.function not in args.functions:
                continue
            roots = code_roots(ARTIFACTS[target.function], folders)
            if not roots[0].exists():
                print(f"{target.function}: not built ({roots[0]}), skipped", file=sys.stderr)
                continue
            with_pyc = measure(target, roots, bytecode=True, runs=args.runs, prefix=prefix)
            if target.function == "ApiFunction":
                with_pyc["floor_cpu"] = measure(FLOOR, roots, bytecode=True, runs=args.runs, prefix=prefix)[
                    "cpu"
                ]
            without = measure(target, roots, bytecode=False, runs=max(3, args.runs // 2), prefix=prefix)
            rows.append({"target": target, "pyc": with_pyc, "source": without})
            print(f"{target.function}: import {with_pyc['import']:.2f} s ({with_pyc['cpu']:.2f} s CPU) with "
                  f"bytecode, {without['import']:.2f} s ({without['cpu']:.2f} s CPU) without", file=sys.stderr)  # fmt: skip
    return rows


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def markdown(rows: list[dict[str, Any]], runs: int) -> str:
    then = {"api-health": "first GET /health", "litellm": "then `import litellm`", "": ""}
    lines = [
        "## Cold start (handler import from the built artifacts)",
        "",
        f"Machine: {machine()}  ",
        f"Command: `PYTHONPATH=layers/shared:. .venv/bin/python -m benchmarks.coldstart {' '.join(sys.argv[1:])}` "
        f"(median of {runs} fresh interpreters with bytecode, "
        f"{max(3, runs // 2)} without)",
        "",
        "| function | module | modules loaded from the artifact | import with bytecode: wall / CPU (s) "
        "| import without bytecode: wall / CPU (s) | speed-up (CPU) | after import, wall (s) | what |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target, pyc, src = row["target"], row["pyc"], row["source"]
        lines.append(
            f"| {target.function} | `{target.module}` | {pyc['modules']} | {pyc['import']:.2f} / {pyc['cpu']:.2f} "
            f"| {src['import']:.2f} / {src['cpu']:.2f} | {src['cpu'] / pyc['cpu']:.1f}x "
            f"| {_seconds(pyc['first_call'])} | {then[target.then]} |"
        )
    lines += [
        "",
        "Import = the Lambda INIT phase's work for zip functions (the handler module is imported before the "
        "first event). The API wires its services on the first request (the 'after import' column). "
        "ChatFunction's `asgi` builds the app and services at import; LiteLLM is imported lazily, on the "
        "first chat, and is timed after it.",
    ]
    api = next((r for r in rows if "floor_cpu" in r["pyc"]), None)
    if api:
        floor = api["pyc"]["floor_cpu"]
        lines += [
            "",
            f"Framework floor (`{FLOOR.module}` imported from the API artifact): {floor:.2f} s CPU; "
            f"the API handler's import is {api['pyc']['cpu'] / floor:.2f}x it.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coldstart", description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--images-dir", type=Path, default=ROOT / "build" / "images")
    parser.add_argument("--write", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    parser.add_argument(
        "--max-api-init", type=float, help="fail when the API handler's import takes more CPU time (s)"
    )
    parser.add_argument(
        "--max-api-ratio",
        type=float,
        help="fail when the API handler's import CPU exceeds this multiple of the framework floor",
    )
    parser.add_argument("--functions", nargs="*", help="only these (default: all five)")
    args = parser.parse_args(argv)
    rows = run(args)
    text = markdown(rows, args.runs)
    print(text)
    if args.write:
        write_section("coldstart", text)
    api = next((r for r in rows if r["target"].function == "ApiFunction"), None)
    # CPU time, not wall time: on a shared CI machine the wall time grows with the load average.
    if args.max_api_init is not None and api and api["pyc"]["cpu"] > args.max_api_init:
        print(
            f"coldstart: API handler import {api['pyc']['cpu']:.2f} s CPU > {args.max_api_init} s",
            file=sys.stderr,
        )
        return 1
    if args.max_api_ratio is not None and api:
        ratio = api["pyc"]["cpu"] / api["pyc"]["floor_cpu"]
        if ratio > args.max_api_ratio:
            print(
                f"coldstart: API handler import {ratio:.2f}x the framework floor > {args.max_api_ratio}x",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
