"""Model prices from LiteLLM's bundled price table, read as JSON without importing litellm.

The API function does not ship litellm (it is the chat and ingest images' 165 MB); pricing routes still work."""

import functools
import json
from importlib.util import find_spec
from pathlib import Path
from typing import Any

_COPY = Path(__file__).with_name("model_prices.json")  # copied into the layer by scripts/build
_BUNDLED = "model_prices_and_context_window_backup.json"


@functools.cache
def _table() -> dict[str, Any]:
    path = _COPY
    if not path.is_file():
        spec = find_spec("litellm")  # locates the package without running it
        if spec is None or not spec.submodule_search_locations:
            return {}
        path = Path(next(iter(spec.submodule_search_locations)), _BUNDLED)
        if not path.is_file():
            return {}
    table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return table


def price_per_million(model: str) -> tuple[float, float]:
    """(prompt, completion) USD per million tokens; (0, 0) for the offline model and unpriced models."""
    if model.startswith("minirag/"):
        return 0.0, 0.0
    table = _table()
    entry = table.get(model) or table.get(model.split("/", 1)[-1]) or {}
    prompt = float(entry.get("input_cost_per_token") or 0.0)
    completion = float(entry.get("output_cost_per_token") or 0.0)
    return round(prompt * 1e6, 6), round(completion * 1e6, 6)
