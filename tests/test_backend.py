"""Backend selection: names, errors, set_backend, the environment variable and the configuration file.

The environment and the configuration file are read once, at import, so those tests run a fresh interpreter with
``TINYGRADCONV_HOME`` pointing at a temporary directory.
"""
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import config
from tinygradconv.backend import available_backends, backend_of, get_backend, known_backends, set_backend

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import tinygradconv as tg, json; from tinygradconv import config; t = tg.tensor([1, 2]); "
         "print(json.dumps([t.backend.name, str(t.numpy().dtype), config.image_data_format()]))")


def run_fresh(tmp_path, env_vars=None, config_file=None, code=PROBE):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYGRADCONV_")}
    env["TINYGRADCONV_HOME"] = str(tmp_path)
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_vars or {})
    if config_file is not None:
        (tmp_path / "config.json").write_text(config_file if isinstance(config_file, str) else
                                              json.dumps(config_file))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_builtin_backends():
    assert known_backends() == ("numpy", "cupy", "array_api_strict")
    assert {"numpy", "array_api_strict"} <= set(available_backends())
    assert get_backend().name == "numpy"
    assert get_backend("numpy") is get_backend("numpy")


def test_unknown_backend_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"Unknown backend 'tpu'.*numpy.*array_api_strict"):
        get_backend("tpu")
    with pytest.raises(ValueError, match="Unknown backend"):
        set_backend("tpu")


@pytest.mark.skipif("cupy" in available_backends(), reason="CuPy and a GPU are present here: nothing to explain")
def test_cupy_without_cupy_explains_how_to_install_it():
    with pytest.raises(ValueError, match=r"pip install tinygradconv\[cuda12\]"):
        get_backend("cupy")
    with pytest.raises(ValueError, match=r"pip install tinygradconv\[cuda12\]"):
        tg.tensor([1.0]).to("cupy")


def test_set_backend_changes_where_new_tensors_live():
    try:
        assert set_backend("array_api_strict").name == "array_api_strict"
        t = tg.tensor([1.0, 2.0])
        assert t.backend.name == "array_api_strict"
        assert type(t.data).__module__.startswith("array_api_strict")
        assert (t * 2.0).backend.name == "array_api_strict"
    finally:
        set_backend("numpy")
    assert tg.tensor([1.0]).backend.name == "numpy"


def test_a_model_left_on_the_old_backend_is_named_in_the_error_and_model_to_mends_it():
    """Found by a tester: a model built on NumPy, then ``set_backend("array_api_strict")``, then ``predict`` raised
    "Conv1dOp got tensors on different backends ... Move one with .to(...)", about a tensor the user never made.
    NumPy data now goes to the model's own backend (as a lone layer's does: found by another tester); a tensor of
    the new backend gets a message that points to ``model.to(...)``, which makes the same prediction there."""
    model = tg.models.Sequential([tg.layers.Input((8, 2)), tg.layers.Conv1D(3, 2)])
    x = np.linspace(-1.0, 1.0, 16, dtype=np.float32).reshape(1, 8, 2)
    expected = model.predict(x, verbose=0)
    try:
        set_backend("array_api_strict")
        np.testing.assert_array_equal(model.predict(x, verbose=0), expected)        # on the model's NumPy weights
        with pytest.raises(ValueError, match=r"different backends: 'array_api_strict' and 'numpy'\..*model\.to\("):
            model(tg.tensor(x))
        model.to("array_api_strict")
        np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)), expected, rtol=1e-6, atol=1e-6)
    finally:
        set_backend("numpy")


def test_backend_of_recognises_arrays():
    assert backend_of(np.zeros(2)).name == "numpy"
    strict = get_backend("array_api_strict").xp
    assert backend_of(strict.asarray([1.0])).name == "array_api_strict"
    with pytest.raises(TypeError, match="Not an array"):
        backend_of([1.0])


def test_numpy_comes_back_from_every_backend(backend):
    t = tg.tensor([[1.0, 2.0]], backend=backend)
    out = t.numpy()
    assert type(out) is np.ndarray and out.tolist() == [[1.0, 2.0]]


def test_strict_backend_array_made_before_the_backend_was_loaded(tmp_path):
    code = ("import array_api_strict as xp, tinygradconv as tg; t = tg.Tensor(xp.asarray([1.0, 2.0])); "
            "print(t.backend.name, (t * 2.0).tolist())")
    out = run_fresh(tmp_path, code=code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["array_api_strict", "[2.0,", "4.0]"]


def test_defaults_without_configuration(tmp_path):
    out = run_fresh(tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["numpy", "float32", "channels_last"]


def test_environment_variable_selects_the_backend(tmp_path):
    out = run_fresh(tmp_path, {"TINYGRADCONV_BACKEND": "array_api_strict"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0] == "array_api_strict"


def test_configuration_file(tmp_path):
    settings = {"backend": "array_api_strict", "floatx": "float64", "image_data_format": "channels_first"}
    out = run_fresh(tmp_path, config_file=settings)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["array_api_strict", "float64", "channels_first"]


def test_environment_overrides_the_configuration_file(tmp_path):
    out = run_fresh(tmp_path, {"TINYGRADCONV_BACKEND": "numpy", "TINYGRADCONV_FLOATX": "float64"},
                    config_file={"backend": "array_api_strict", "floatx": "float16"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[:2] == ["numpy", "float64"]


@pytest.mark.parametrize("content, pattern", [
    ({"floatx": "float8"}, (r"`floatx` from the configuration file .*config\.json: expected one of "
                           r"\('float16', 'float32', 'float64'\)\. Received floatx='float8'")),
    ("[1, 2]", "JSON object"),
    ("{not json", "Could not read"),
    ({"image_data_format": "channels_middle"}, (r"`image_data_format` from the configuration file .*"
                                               r"Received image_data_format='channels_middle'")),
    ({"backend": "jax"}, (r"`backend` from the configuration file .*'numpy', 'cupy', 'array_api_strict'.*"
                         r"Received backend='jax'")),
    ({"epsilon": "tiny"}, r"`epsilon` from the configuration file .*between 0 and 1.*Received epsilon='tiny'"),
    ({"epsilon": -1e-7}, r"`epsilon` .*Received epsilon=-1e-07"),
])
def test_bad_configuration_files_are_reported(tmp_path, content, pattern):
    out = run_fresh(tmp_path, config_file=content)
    assert out.returncode != 0
    assert "ValueError" in out.stderr and re.search(pattern, out.stderr), out.stderr


@pytest.mark.parametrize("variable, value, pattern", [
    ("TINYGRADCONV_BACKEND", "tpu", (r"`backend` from the environment variable TINYGRADCONV_BACKEND: expected one of "
                                    r"\('numpy', 'cupy', 'array_api_strict'\)\. Received backend='tpu'")),
    ("TINYGRADCONV_FLOATX", "float8", r"`floatx` from the environment variable TINYGRADCONV_FLOATX: .*float8"),
    ("TINYGRADCONV_IMAGE_DATA_FORMAT", "nchw", (r"`image_data_format` from the environment variable "
                                               r"TINYGRADCONV_IMAGE_DATA_FORMAT: expected one of "
                                               r"\('channels_last', 'channels_first'\)\. .*'nchw'")),
])
def test_bad_environment_variables_are_reported_at_import_naming_the_variable(tmp_path, variable, value, pattern):
    """Refused when the package is imported (also by ``python -m tinygradconv --help``), before any use, with the
    variable to mend in the message."""
    out = run_fresh(tmp_path, {variable: value}, code="import tinygradconv")
    assert out.returncode != 0
    assert re.search(r"^ValueError: Invalid value for the setting " + pattern, out.stderr, re.MULTILINE), out.stderr


def test_settings_are_checked_case_as_keras_checks_them(tmp_path):
    """A data format is matched without regard to case (as ``standardize_data_format`` does); a float type is not."""
    out = run_fresh(tmp_path, {"TINYGRADCONV_IMAGE_DATA_FORMAT": "Channels_First"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[2] == "channels_first"
    assert run_fresh(tmp_path, {"TINYGRADCONV_FLOATX": "Float32"}).returncode != 0


def test_a_folder_in_place_of_the_configuration_file_is_reported(tmp_path):
    """It was taken for an absent file and silently ignored (found by a tester)."""
    (tmp_path / "config.json").mkdir()
    out = run_fresh(tmp_path)
    assert out.returncode != 0
    assert re.search(r"Could not read the configuration file .*config\.json: .*Is a directory", out.stderr), out.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_in_place_of_the_configuration_file_is_skipped(tmp_path):
    """Reading it blocked the import until a writer came (found by a tester); only a file or a folder is read."""
    os.mkfifo(tmp_path / "config.json")
    out = run_fresh(tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["numpy", "float32", "channels_last"]      # the defaults


def test_a_model_built_on_another_backend_takes_numpy_data_on_its_own(backend):
    """Built while ``backend`` was the default, then the default set back to NumPy: the model put NumPy data on the
    new default and failed with "different backends" (a lone layer took it, found by a tester)."""
    from tinygradconv.layers import Dense
    from tinygradconv.models import Sequential

    previous = tg.get_backend().name
    tg.set_backend(backend)
    try:
        model = Sequential([Dense(2, kernel_initializer="ones")])
        model.build((None, 3))
        model.compile(optimizer="sgd", loss="mse")
    finally:
        tg.set_backend("numpy")
    try:
        x = np.ones((2, 3), "float32")
        assert model(x).backend.name == backend
        np.testing.assert_array_equal(model.predict(x, verbose=0), np.full((2, 2), 3.0))     # 1 + 1 + 1, bias 0
        model.fit(x, np.zeros((2, 2), "float32"), verbose=0)
    finally:
        tg.set_backend(previous)


def test_the_configuration_knows_every_backend_by_name():
    assert config.BACKENDS == known_backends()


def test_dtype_name_gives_each_namespace_s_dtypes_their_plain_name_every_time():
    """dtype_name caches its answers per dtype object: the cached answer is the one NumPy / array-api-strict give,
    also for dtypes that are equal but not identical (byte order, aliases) and on repeated calls."""
    from tinygradconv.backend import dtype_name

    cases = [(np.dtype(np.float32), "float32"), (np.dtype(">f4"), "float32"), (np.dtype("<f8"), "float64"),
             (np.dtype("q"), "int64"), (np.dtype("l"), "int64"), (np.dtype(np.bool_), "bool"),
             (np.float16, "float16"), ("int32", "int32")]
    strict = pytest.importorskip("array_api_strict")
    cases += [(strict.float32, "float32"), (strict.int8, "int8"), (strict.bool, "bool")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # array-api-strict warns if its dtypes meet NumPy's in ==
        for _ in range(2):                           # the second round is answered from the cache
            assert [dtype_name(d) for d, _ in cases] == [name for _, name in cases]


def test_dtype_name_of_an_unhashable_dtype_like_object():
    from tinygradconv.backend import dtype_name

    class Unhashable:
        __hash__ = None
        name = "float32"

    assert dtype_name(Unhashable()) == "float32"


def test_threads_that_load_a_backend_at_once_share_one(monkeypatch):
    """Two threads making their first tensors at the same moment get the same Backend object, so that their tensors
    can meet in one op (found by a tester: two objects, then "different backends: 'numpy' and 'numpy'")."""
    import threading
    import time

    from tinygradconv import backend as backend_module

    real = backend_module._LOADERS["numpy"]

    def slow_loader():                       # widens the window in which both threads are loading
        time.sleep(0.05)
        return real()

    monkeypatch.setattr(backend_module, "_cache", {})
    monkeypatch.setitem(backend_module._LOADERS, "numpy", slow_loader)
    barrier = threading.Barrier(2)
    made = []

    def work():
        barrier.wait()
        made.append(get_backend("numpy"))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made[0] is made[1] is get_backend("numpy")
