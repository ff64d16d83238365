"""size_check: sums what Lambda unzips (function + layers) from a SAM build folder and enforces the limits."""

from pathlib import Path

import pytest

from scripts.build import size_check
from scripts.build.size_check import MIB, ZIP_LIMIT, image_rows, main, tree_bytes, zip_rows


def sized(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: st_size is what the zip would hold


def build_dir(tmp_path: Path, *, function_mib: float, layer_mib: float, layers: int = 1) -> Path:
    root = tmp_path / "build"
    sized(root / "Fn" / "handler.py", int(function_mib * MIB))
    refs = []
    for n in range(layers):
        sized(root / f"Layer{n}" / "python" / "big.so", int(layer_mib * MIB))
        refs.append(f"        - !Ref Layer{n}")
    layer_resources = "".join(
        f"  Layer{n}:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: Layer{n}\n"
        for n in range(layers)
    )
    (root / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Runtime: python3.13\n"
        "Resources:\n"
        f"{layer_resources}"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: Fn\n      Handler: handler.h\n"
        "      Layers:\n" + "\n".join(refs) + "\n"
        "  Img:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n"
        "      ImageUri: img:latest\n"
    )
    return root


def test_a_function_and_its_layers_are_summed(tmp_path: Path) -> None:
    (row,) = zip_rows(build_dir(tmp_path, function_mib=10, layer_mib=100))
    assert row.function == "Fn" and row.code == 10 * MIB
    assert row.layers == (("Layer0", 100 * MIB),) and row.total == 110 * MIB
    assert row.problems() == []


def test_over_250_mib_with_its_layers_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = build_dir(tmp_path, function_mib=60, layer_mib=200)

    code = main(["--build-dir", str(root), "--images-dir", str(tmp_path / "none")])

    assert code == 1
    out = capsys.readouterr()
    assert "260.0 MiB exceeds 250 MiB" in out.out and "Fn" in out.err


def test_the_limit_is_lambdas_byte_count(tmp_path: Path) -> None:
    root = build_dir(tmp_path, function_mib=0, layer_mib=0)
    sized(root / "Fn" / "handler.py", ZIP_LIMIT)
    assert zip_rows(root)[0].problems() == []
    sized(root / "Fn" / "handler.py", ZIP_LIMIT + 1)
    assert zip_rows(root)[0].problems()


def test_more_than_five_layers_fails(tmp_path: Path) -> None:
    (row,) = zip_rows(build_dir(tmp_path, function_mib=1, layer_mib=1, layers=6))
    assert row.problems() == ["6 layers (at most 5)"]


def test_published_layers_need_a_declared_size(tmp_path: Path) -> None:
    root = build_dir(tmp_path, function_mib=1, layer_mib=1)
    template = root / "template.yaml"
    adapter = "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerX86:26"
    template.write_text(template.read_text().replace("- !Ref Layer0", f"- {adapter}"))
    (row,) = zip_rows(root)
    assert row.layers == (
        ("LambdaAdapterLayerX86", size_check.EXTERNAL_LAYER_BYTES["LambdaAdapterLayerX86"]),
    )
    template.write_text(template.read_text().replace("LambdaAdapterLayerX86", "SomeoneElsesLayer"))
    with pytest.raises(ValueError, match="EXTERNAL_LAYER_BYTES"):
        zip_rows(root)


def test_image_closures_are_reported_against_10_gb(tmp_path: Path) -> None:
    sized(tmp_path / "images" / "ChatFunction" / "litellm" / "x.so", 400 * MIB)
    (row,) = image_rows(tmp_path / "images")
    assert (row.function, row.kind, row.total) == ("ChatFunction", "image", 400 * MIB)
    assert row.problems() == []


def test_symlinks_count_their_targets(tmp_path: Path) -> None:
    sized(tmp_path / "a" / "lib.so.1", 3 * MIB)
    (tmp_path / "a" / "lib.so").symlink_to("lib.so.1")
    assert tree_bytes(tmp_path / "a") == 6 * MIB


def test_without_a_build_it_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--build-dir", str(tmp_path)]) == 2
    assert "make build" in capsys.readouterr().err
