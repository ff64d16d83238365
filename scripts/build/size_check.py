"""Lambda size limits, measured on the build output: `python -m scripts.build.size_check`.

Reads the template `sam build` wrote (.aws-sam/build/template.yaml): every zip function's folder plus the
folders of the layers it uses, in bytes as Lambda counts them (the unzipped size of every file). Fails
when a zip function with its layers exceeds 250 MiB (262,144,000 bytes, the figure Lambda's error message
quotes) or uses more than 5 layers. Image functions (10 GB limit) are reported from the closure built
without Docker (build/images); their base image is not included.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.localcloud.template import load_template

ZIP_LIMIT = 262_144_000  # "Unzipped size must be smaller than 262144000 bytes"
IMAGE_LIMIT = 10 * 1024**3
MAX_LAYERS = 5
MIB = 2**20
# Layers published by others cannot be measured here; their unzipped sizes, when a zip function uses one.
EXTERNAL_LAYER_BYTES = {"LambdaAdapterLayerX86": 6 * MIB}


@dataclass(frozen=True)
class Row:
    function: str
    kind: str
    code: int
    layers: tuple[tuple[str, int], ...]
    limit: int

    @property
    def total(self) -> int:
        return self.code + sum(size for _, size in self.layers)

    def problems(self) -> list[str]:
        found = []
        if self.total > self.limit:
            found.append(f"{self.total / MIB:.1f} MiB exceeds {self.limit / MIB:.0f} MiB")
        if len(self.layers) > MAX_LAYERS:
            found.append(f"{len(self.layers)} layers (at most {MAX_LAYERS})")
        return found


def tree_bytes(path: Path) -> int:
    """Unzipped bytes: every regular file, symlinks followed (the zip stores their targets' content)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, files in os.walk(path, followlinks=True):
        total += sum(Path(folder, name).stat().st_size for name in files)
    return total


def _layer(ref: Any, resources: dict[str, Any], build_dir: Path) -> tuple[str, int]:
    if isinstance(ref, dict) and "Ref" in ref and ref["Ref"] in resources:
        content = resources[ref["Ref"]]["Properties"]["ContentUri"]
        return ref["Ref"], tree_bytes(build_dir / content)
    text = str(ref.get("Fn::Sub", ref) if isinstance(ref, dict) else ref)
    for name, size in EXTERNAL_LAYER_BYTES.items():
        if f":layer:{name}:" in text:
            return name, size
    raise ValueError(f"cannot size layer {ref!r}: add it to EXTERNAL_LAYER_BYTES")


def zip_rows(build_dir: Path) -> list[Row]:
    template = load_template(build_dir / "template.yaml")
    defaults = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    rows = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**defaults, **resource.get("Properties", {})}
        if props.get("PackageType", "Zip") != "Zip":
            continue
        layers = tuple(_layer(ref, resources, build_dir) for ref in props.get("Layers", []))
        rows.append(Row(logical_id, "zip", tree_bytes(build_dir / props["CodeUri"]), layers, ZIP_LIMIT))
    return rows


def image_rows(images_dir: Path) -> list[Row]:
    if not images_dir.is_dir():
        return []
    return [
        Row(folder.name, "image", tree_bytes(folder), (), IMAGE_LIMIT)
        for folder in sorted(images_dir.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
    ]


def table(rows: list[Row]) -> str:
    head = f"{'function':<18} {'kind':<5} {'code MiB':>9} {'layers MiB':>10} {'total MiB':>9} {'limit MiB':>9}  status"
    lines = [head, "-" * len(head)]
    for row in rows:
        layer_mib = sum(size for _, size in row.layers) / MIB
        status = "; ".join(row.problems()) or "ok"
        names = f" ({', '.join(name for name, _ in row.layers)})" if row.layers else ""
        lines.append(
            f"{row.function:<18} {row.kind:<5} {row.code / MIB:>9.1f} {layer_mib:>10.1f} "
            f"{row.total / MIB:>9.1f} {row.limit / MIB:>9.0f}  {status}{names}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.build.size_check", description=__doc__)
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--images-dir", type=Path, default=Path("build/images"))
    args = parser.parse_args(argv)
    if not (args.build_dir / "template.yaml").is_file():
        print(
            f"size_check: {args.build_dir}/template.yaml not found: run `make build` first", file=sys.stderr
        )
        return 2
    rows = zip_rows(args.build_dir) + image_rows(args.images_dir)
    print(table(rows))
    failed = [row.function for row in rows if row.problems()]
    if failed:
        print(f"size_check: over the Lambda limits: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
