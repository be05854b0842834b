"""What ``tg.models.load_model`` says when a layer of the user's own class does not fit the Keras file's layout
(found by a reviewer: the error always ended "Give its sub-layers the attribute names of the Keras class", also
where that was not the cause), and how it names a layer the file gives no name.

The files are written by Keras 3 itself; the paths in the messages are those Keras wrote (read with h5py here)."""
import io
import os
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.layers import Layer
from tinygradconv.saving import SavedFileError

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")
K, T = keras.layers, tg.layers
register = keras.saving.register_keras_serializable(package="m48")
RENAME = "Give its sub-layers the attribute names of the Keras class"


@register
class KScaled(K.Layer):
    """A Dense, then a weight of its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d = K.Dense(3)

    def build(self, input_shape):
        self.s = self.add_weight(shape=(3,), initializer="ones", name="s")

    def call(self, x):
        return self.d(x) * self.s


@register
class KOuter(K.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = KScaled()
        self.out = K.Dense(2)

    def call(self, x):
        return self.out(self.inner(x))


@register
class KPlain(K.Layer):
    """Sub-layers only, no weight of its own; ``head`` a property returning the last one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stack = [K.Dense(3), K.Dense(2)]

    @property
    def head(self):
        return self.stack[-1]

    def call(self, x):
        return self.head(self.stack[0](x))


class Unscaled(Layer):
    """``KScaled`` without its weight ``s``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d = T.Dense(3)

    def call(self, x):
        return self.d(x)


class OuterOfUnscaled(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Unscaled()
        self.out = T.Dense(2)

    def call(self, x):
        return self.out(self.inner(x))


class PlainWithGain(Layer):
    """``KPlain``'s layers (and property) and an extra weight of its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stack = [T.Dense(3), T.Dense(2)]

    @property
    def head(self):
        return self.stack[-1]

    def build(self, input_shape):
        self.gain = self.add_weight((2,), initializer="ones", name="gain")

    def call(self, x):
        return self.head(self.stack[0](x)) * self.gain


class PlainWithoutProperty(Layer):
    """``KPlain`` without the property: Keras stored the last Dense under ``head``, this class has it only under
    ``stack/dense_1``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stack = [T.Dense(3), T.Dense(2)]

    def call(self, x):
        return self.stack[1](self.stack[0](x))


class PlainRenamed(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.layers_list = [T.Dense(3), T.Dense(2)]

    def call(self, x):
        return self.layers_list[1](self.layers_list[0](x))


def _datasets(path):
    with h5py.File(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5")), "r") as h5:
        found = []
        h5.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    return found


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mismatch")
    out = {}
    for key, layer in (("outer", KOuter(name="o")), ("plain", KPlain(name="p"))):
        model = keras.Sequential([keras.Input((4,)), layer])
        out[key] = os.path.join(folder, f"{key}.keras")
        model.save(out[key])
    return out


def _message(path, key, ours):
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path, custom_objects={key: ours})
    return str(info.value)


def test_the_files_are_as_described(files):
    assert "layers/k_outer/inner/vars/0" in _datasets(files["outer"])       # KScaled's own s
    assert sorted({p.rpartition("/vars")[0] for p in _datasets(files["plain"])}) == [
        "layers/k_plain/head", "layers/k_plain/stack/dense"]                  # nothing under layers/k_plain/vars


def test_an_inner_layer_without_its_own_weight_is_named(files):
    message = _message(files["outer"], "m48>KOuter", OuterOfUnscaled)
    assert "Unscaled at 'layers/k_outer/inner' creates no weight of its own" in message
    assert "stored 1 under 'layers/k_outer/inner/vars'" in message
    assert RENAME not in message


def test_an_extra_weight_of_its_own_is_named(files):
    message = _message(files["plain"], "m48>KPlain", PlainWithGain)
    assert "PlainWithGain at 'layers/k_plain' creates 1 weight of its own (['p/gain'])" in message
    assert "the Keras class does not create it" in message
    assert RENAME not in message


def test_a_layer_keras_stored_under_a_property_missing_here_gets_the_naming_advice(files):
    message = _message(files["plain"], "m48>KPlain", PlainWithoutProperty)
    assert "['layers/k_plain/head/vars'] are under ['layers/k_plain/stack/dense_1/vars']" in message
    assert "(or property)" in message and RENAME in message


def test_other_attribute_names_get_the_naming_advice(files):
    message = _message(files["plain"], "m48>KPlain", PlainRenamed)
    assert "'layers/k_plain/layers_list/dense/vars'" in message and RENAME in message


class PlainWithProperty(PlainWithoutProperty):
    """``PlainWithoutProperty`` given ``KPlain``'s property (in a subclass: the properties of every class of your
    own in the MRO count, as Keras walks ``dir(layer)``)."""

    @property
    def head(self):
        return self.stack[-1]


def test_a_layer_with_the_same_property_loads(files):
    ours = tg.models.load_model(files["plain"], custom_objects={"m48>KPlain": PlainWithProperty})
    theirs = keras.saving.load_model(files["plain"])
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- a layer the file gives no name
@register
class KNoName(K.Layer):
    """No get_config and ``**kw``: Keras writes no ``name`` in the layer's config."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.d = K.Dense(2)

    def call(self, x):
        return self.d(x)


def test_a_layer_without_a_name_is_named_after_its_class(tmp_path):
    path = tmp_path / "noname.keras"
    keras.Sequential([keras.Input((4,)), KNoName()]).save(path)
    with pytest.raises(SavedFileError) as info:
        tg.models.load_model(path)
    message = str(info.value)
    assert "layer 'k_no_name' is a custom class 'm48>KNoName'" in message
    assert "layer None" not in message
