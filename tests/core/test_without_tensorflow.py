"""The Rasa server without TensorFlow: Rasa imports as before, nothing can run TensorFlow, and
only a model without TensorFlow components is served that way."""

import io
import json
import subprocess
import sys
import tarfile
import textwrap

from ember.core.project import PROJECT_ROOT
from ember.core.without_tensorflow import (
    TENSORFLOW_FREE_COMPONENTS,
    WITHOUT_TENSORFLOW_VARIABLE,
    runs_without_tensorflow,
)


def run_python(code: str, without_tensorflow: bool) -> str:
    """Runs code in a new interpreter: the placeholder, once installed, is for good."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    if without_tensorflow:
        environment[WITHOUT_TENSORFLOW_VARIABLE] = "1"
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout


TENSORFLOW_IN_MEMORY = """
    import ember.server  # installs the placeholder when asked, then Rasa's modules as the server
    import rasa.core.run, rasa.engine.recipes.default_components
    from pathlib import Path
    maps = Path("/proc/self/maps").read_text()
    print("libtensorflow" in maps, "_pywrap_tensorflow" in maps)
"""


def test_rasa_and_every_default_component_import_without_loading_tensorflow():
    assert run_python(TENSORFLOW_IN_MEMORY, without_tensorflow=True).split() == ["False", "False"]


def test_without_the_variable_the_real_tensorflow_is_loaded():
    # The check above can fail: the same code maps TensorFlow's libraries without the variable.
    assert run_python(TENSORFLOW_IN_MEMORY, without_tensorflow=False).split() == ["True", "True"]


def test_nothing_in_the_placeholder_runs():
    output = run_python(
        """
        from ember.core import without_tensorflow
        without_tensorflow.install()
        import tensorflow as tf
        from keras.utils.control_flow_util import smart_cond
        class Layer(tf.keras.layers.Layer):
            pass
        print(isinstance(1.0, tf.Tensor), tf.float32 is tf.float32)
        for call in (lambda: tf.constant(1), lambda: smart_cond(True, 1, 2), lambda: Layer()):
            try:
                call()
                print("ran")
            except without_tensorflow.TensorFlowNotLoaded as error:
                print(str(error).split(" ")[0])
        """,
        without_tensorflow=False,
    )
    assert output.split() == [
        "False",
        "True",
        "tensorflow.constant",
        "keras.utils.control_flow_util.smart_cond",
        "Layer",
    ]


def test_installing_after_tensorflow_was_imported_is_refused():
    output = run_python(
        """
        import tensorflow
        from ember.core import without_tensorflow
        try:
            without_tensorflow.install()
        except RuntimeError as error:
            print("refused")
        """,
        without_tensorflow=False,
    )
    assert output.split() == ["refused"]


def model_with(tmp_path, components: set[str]):
    metadata = {
        "predict_schema": {"nodes": {f"node{n}": {"uses": c} for n, c in enumerate(components)}}
    }
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(metadata).encode()
        member = tarfile.TarInfo("metadata.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


def test_a_model_of_tensorflow_free_components_is_served_without_it(tmp_path):
    assert runs_without_tensorflow(model_with(tmp_path, set(TENSORFLOW_FREE_COMPONENTS)))


def test_a_model_with_ted_or_diet_gets_the_real_tensorflow(tmp_path):
    for neural in (
        "rasa.core.policies.ted_policy.TEDPolicy",
        "rasa.nlu.classifiers.diet_classifier.DIETClassifier",
    ):
        components = {"rasa.core.policies.rule_policy.RulePolicy", neural}
        assert not runs_without_tensorflow(model_with(tmp_path, components))


def test_a_missing_model_gets_the_real_tensorflow(tmp_path):
    assert not runs_without_tensorflow(tmp_path / "absent.tar.gz")


def test_a_file_that_is_not_a_model_gets_the_real_tensorflow(tmp_path):
    (tmp_path / "notes.tar.gz").write_text("not an archive")
    assert not runs_without_tensorflow(tmp_path / "notes.tar.gz")
