"""The Layer base class: weights, sub-layers, naming, set_weights, losses, input casting."""
import inspect
import os
import re
import types

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.layers import Dense, Layer


class Scale(Layer):
    def __init__(self, regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = regularizer

    def build(self, input_shape):
        self.scale = self.add_weight((input_shape[-1],), initializer="ones", regularizer=self.regularizer,
                                     name="scale")
        self.offset = self.add_weight((input_shape[-1],), initializer="zeros", trainable=False, name="offset")

    def call(self, inputs):
        return inputs * self.scale + self.offset


class Stack(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Scale()
        self.blocks = []  # filled after assignment: must still be found

    def call(self, inputs):
        x = self.first(inputs)
        for block in self.blocks:
            x = block(x)
        return x


def test_names_are_keras_snake_case_and_unique():
    a, b = Scale(), Scale()
    assert a.name.startswith("scale") and b.name != a.name
    assert Scale(name="mine").name == "mine"
    assert tg.layers.Conv1DTranspose(2, 3).name.startswith("conv1d_transpose")
    assert tg.layers.UpSampling1D().name.startswith("up_sampling1d")


def test_weights_of_sublayers_including_lists_that_grow_later():
    stack = Stack()
    stack.blocks.append(Scale())
    stack.blocks.append(Scale())
    out = stack(np.ones((2, 3)))
    assert out.shape == (2, 3)
    assert len(stack.weights) == 6
    assert len(stack.trainable_weights) == 3
    assert len(stack.non_trainable_weights) == 3
    assert stack.count_params() == 18
    del stack.blocks
    assert len(stack.weights) == 2


def test_set_weights_checks_every_shape_before_assigning_anything():
    layer = Scale()
    layer(np.ones((1, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"offset.*\(3,\).*\(4,\)"):
        layer.set_weights([np.full(3, 5.0), np.zeros(4)])
    for old, now in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, now)
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.ones(3)])
    layer.set_weights([np.full(3, 2.0), np.full(3, 1.0)])
    np.testing.assert_allclose(layer(np.ones((1, 3))).numpy(), np.full((1, 3), 3.0))


@pytest.mark.parametrize("weights", [np.ones((3, 2)), tg.tensor(np.ones((2, 2)))])
def test_set_weights_of_a_single_array_asks_for_a_list(weights):
    """``set_weights(np.ones((3, 2)))`` said "expects 2 weight arrays, but received 3" (its rows; found by a tester),
    and an array with as many rows as weights failed on shapes that were not the user's."""
    layer = Dense(2)
    layer(np.ones((1, 2)))
    with pytest.raises(TypeError, match=r"set_weights expects a list of arrays, one per weight \(\['dense\w*/kernel', "
                                        r"'dense\w*/bias'\]\); received a single array of shape \((3|2), 2\)"):
        layer.set_weights(weights)


def test_unknown_keyword_and_bad_dtype_are_rejected():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Scale: {'foo': 1}"):
        Scale(foo=1)
    with pytest.raises(ValueError, match="dtype"):
        Scale(dtype="int32")


def test_losses_hold_weight_penalties_and_activity_penalty_per_sample():
    layer = Scale(regularizer=tg.regularizers.L2(0.5))
    layer.activity_regularizer = tg.regularizers.L1(1.0)
    x = np.arange(6.0).reshape(2, 3)
    out = layer(x)
    activity_penalty, weight_penalty = (float(t.item()) for t in layer.losses)   # Keras' order
    assert weight_penalty == pytest.approx(0.5 * 3)          # 0.5 * sum(1^2)
    assert activity_penalty == pytest.approx(np.abs(out.numpy()).sum() / 2)  # divided by the batch size


def test_inputs_are_cast_to_the_layer_dtype_on_every_backend(backend):
    layer = Dense(2, dtype="float64")
    x = tg.tensor(np.ones((1, 3)), dtype="float32", backend=backend)
    assert tg.backend.dtype_name(layer(x).dtype) == "float64"


def test_frozen_layer_has_no_trainable_weights():
    layer = Scale(trainable=False)
    layer(np.ones((1, 2)))
    assert layer.trainable_weights == [] and len(layer.weights) == 2


def _keras():
    """Keras 3 on its torch backend, the reference for Keras behaviour (skipped, visibly, when not installed)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", minversion="3")


# ------------------------------------------------------------------------------------------- memory sharing
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
def test_set_weights_copies_the_arrays_like_keras(backend):
    keras = _keras()
    reference = keras.layers.Dense(2)
    reference.build((None, 3))
    layer = Dense(2)
    layer(tg.tensor(np.ones((1, 3)), backend=backend))
    ours = [np.arange(6.0, dtype="float32").reshape(3, 2), np.array([1.0, 2.0], dtype="float32")]
    theirs = [a.copy() for a in ours]
    layer.set_weights(ours)
    reference.set_weights(theirs)
    for arrays in (ours, theirs):
        for a in arrays:
            a[...] = -7.0  # the caller changes its arrays afterwards
    for mine, keras_weight in zip(layer.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(mine, keras_weight)
    np.testing.assert_array_equal(layer.get_weights()[1], [1.0, 2.0])


def test_set_weights_from_tensors_and_get_weights_are_copies(backend):
    layer = Scale()
    layer(tg.tensor(np.ones((1, 3)), backend=backend))
    source = tg.tensor(np.full(3, 2.0), dtype="float32", backend=backend)  # the weights' dtype: no cast
    layer.set_weights([source, np.zeros(3)])
    source.numpy()[...] = 9.0  # a write through the source tensor's memory (CPU backends)
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], [2.0, 2.0, 2.0])
    got[0][...] = 5.0
    np.testing.assert_array_equal(layer.get_weights()[0], [2.0, 2.0, 2.0])


def test_weights_never_share_the_initializer_value():
    value = np.array([1.0, 2.0, 3.0])
    layer = Dense(3, kernel_initializer=tg.initializers.Constant(value),
                  bias_initializer=lambda shape, dtype=None: value)
    layer(np.ones((1, 1)))
    value[...] = 0.0
    np.testing.assert_array_equal(layer.get_weights()[0], [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(layer.get_weights()[1], [1.0, 2.0, 3.0])
    layer2 = Dense(3, kernel_initializer=tg.initializers.Constant(value))
    layer2(np.ones((1, 1)))
    np.testing.assert_array_equal(layer2.get_weights()[0], [[0.0, 0.0, 0.0]])


# ------------------------------------------------------------------------------------------- add_weight
def test_add_weight_takes_keras_3_arguments():
    keras = _keras()
    ours = inspect.signature(Layer.add_weight).parameters
    theirs = inspect.signature(keras.layers.Layer.add_weight).parameters
    positional = [n for n, p in ours.items() if p.kind is p.POSITIONAL_OR_KEYWORD and n != "self"]
    assert positional == ["shape", "initializer", "dtype"]  # Keras 3 takes these three by position
    assert ours["name"].kind is inspect.Parameter.KEYWORD_ONLY
    assert set(ours) - {"self"} <= set(theirs) - {"args", "self"}  # no argument Keras does not have


BUILDS = [(lambda layers: layers.Dense(2), (None, 3)), (lambda layers: layers.Conv1D(2, 3), (None, 5, 3)),
          (lambda layers: layers.Conv1DTranspose(2, 3), (None, 5, 3)),
          (lambda layers: layers.BatchNormalization(), (None, 3)),
          (lambda layers: layers.LayerNormalization(), (None, 3)), (lambda layers: layers.PReLU(), (None, 3)),
          (lambda layers: layers.Activation("relu"), (None, 3))]


@pytest.mark.parametrize("make, shape", BUILDS)
def test_a_built_layer_takes_no_new_weights_as_keras(make, shape):
    """A second ``build`` (the same shape or another) and ``add_weight`` on a built layer raise, as in Keras 3: a
    Dense built twice had kept a second kernel and bias, counted twice and saved to a file it could not read."""
    keras = keras_on_torch("Keras 3 is the reference for building a layer twice")
    for framework, create in ((tg.layers, lambda layer: layer.add_weight((2,))),
                              (keras.layers, lambda layer: layer.add_weight(shape=(2,)))):
        layer = make(framework)
        layer.build(shape)
        count = len(layer.weights)
        rebuilds = ((layer.build, shape), (layer.build, (*shape[:-1], 4))) if count else ()
        for again, argument in (*rebuilds, (create, layer)):      # a layer without weights may build again
            # (the convolutions check another width against their kernel first: "incompatible with the layer")
            with pytest.raises(ValueError, match="already built|incompatible with the layer"):
                again(argument)
        assert len(layer.weights) == count and layer.built, framework


def test_a_build_may_add_weights_after_calling_super_build():
    """Only the outermost ``build`` locks the layer (Keras 3 wraps the build method of the instance's class)."""
    class Late(Layer):
        def build(self, input_shape):
            super().build(input_shape)
            self.late = self.add_weight((input_shape[-1],), initializer="ones", name="late")

        def call(self, inputs):
            return inputs * self.late

    layer = Late()
    assert layer(np.full((1, 3), 2.0)).tolist() == [[2.0, 2.0, 2.0]] and len(layer.weights) == 1
    with pytest.raises(ValueError, match="already built"):
        layer.add_weight((1,))


def test_add_weight_in_the_keras_2_order_is_refused_as_keras_3_does():
    keras = _keras()

    class Old(Layer):
        def build(self, input_shape):
            self.add_weight("kernel", (2, 3))

    class KerasOld(keras.layers.Layer):
        def build(self, input_shape):
            self.add_weight("kernel", (2, 3))

    with pytest.raises(ValueError, match="`name` must be passed as a keyword"):
        KerasOld().build((1, 2))
    with pytest.raises(ValueError,
                       match=r"`name` must be passed as a keyword.*add_weight\(shape=\.\.\., name='kernel'\)"):
        Old().build((1, 2))


def test_add_weight_defaults_follow_keras():
    layer = Layer(name="box")
    scalar = layer.add_weight()  # shape () and the name "variable", as Keras
    assert scalar.shape == () and (scalar.name, scalar.path) == ("variable", "box/variable") and scalar.requires_grad
    kernel = layer.add_weight((400, 200), dtype="float64")  # glorot_uniform: U(-limit, limit)
    limit = np.sqrt(6.0 / (400 + 200))
    values = kernel.numpy()
    assert (kernel.name, kernel.path) == ("variable_1", "box/variable_1") and str(kernel.dtype) == "float64"
    assert np.abs(values).max() <= limit and np.abs(values).max() > 0.99 * limit
    assert abs(values.std() - limit / np.sqrt(3.0)) < 0.01 * limit
    bias = layer.add_weight((3,), "ones", name="bias")  # shape, initializer by position
    assert bias.tolist() == [1.0, 1.0, 1.0] and (bias.name, bias.path) == ("bias", "box/bias")
    assert [w.path for w in layer.weights] == ["box/variable", "box/variable_1", "box/bias"]


def test_set_weights_before_build_says_to_build_first():
    for target in (Scale(), tg.models.Sequential([Dense(2)])):
        with pytest.raises(ValueError, match=rf"'{target.name}' \({type(target).__name__}\): it is not built yet.*"
                                             r"no weights.*2 arrays.*call it on a batch of data, or "
                                             r"\.build\(input_shape\)"):
            target.set_weights([np.ones(3), np.ones(3)])
    model = tg.models.Sequential([Dense(2)])
    model.build((None, 3))
    model.set_weights([np.ones((3, 2)), np.zeros(2)])  # once built it works
    np.testing.assert_array_equal(model.predict(np.ones((1, 3))), [[3.0, 3.0]])


# ------------------------------------------------------------------------------------------- subclass names
_LAYER_ARGS = {"Activation": ("relu",), "Conv1D": (2, 3), "Conv1DTranspose": (2, 3), "Convolution1DTranspose": (2, 3),
               "Dense": (2,), "Dropout": (0.5,), "Reshape": ((2,),), "InputLayer": ((3,),), "Convolution1D": (2, 3),
               "AveragePooling1D": (2,), "AvgPool1D": (2,), "Embedding": (4, 2), "DepthwiseConv1D": (3,),
               "SeparableConv1D": (2, 3), "SeparableConvolution1D": (2, 3), "GaussianNoise": (0.1,),
               "GaussianDropout": (0.1,), "SpatialDropout1D": (0.1,), "Permute": ((2, 1),), "RepeatVector": (2,),
               "AdaptiveAveragePooling1D": (2,), "AdaptiveMaxPooling1D": (2,), "Lambda": (abs,), "Rescaling": (2.0,),
               "SimpleRNN": (2,), "LSTM": (2,), "GRU": (2,)}


@pytest.mark.parametrize("class_name", [name for name in dir(tg.layers)
                                        if isinstance(getattr(tg.layers, name), type)
                                        and issubclass(getattr(tg.layers, name), Layer)])
def test_a_subclass_is_named_after_itself_as_in_keras(class_name):
    keras = _keras()
    base = getattr(tg.layers, class_name)
    args = _LAYER_ARGS.get(class_name, ())
    theirs_args = (keras.layers.Dense(2),) if class_name == "TimeDistributed" else args   # a layer of each library
    args = (tg.layers.Dense(2),) if class_name == "TimeDistributed" else args
    mine = type(f"MyUp{class_name}", (base,), {})(*args)  # a new class: its first instance has the bare name
    reference = type(f"MyUp{class_name}", (getattr(keras.layers, class_name),), {})(*theirs_args)
    assert mine.name == reference.name
    assert mine.name.startswith("my_up_")


def test_a_subclass_of_conv1d_transpose_is_named_my_up():
    class MyUp(tg.layers.Conv1DTranspose):
        pass

    first, second = MyUp(2, 3), MyUp(2, 3)
    assert first.name.startswith("my_up") and second.name != first.name
    assert tg.layers.Conv1DTranspose(2, 3).name.startswith("conv1d_transpose")
    assert MyUp(2, 3, name="up").name == "up"


def test_names_with_a_slash_are_refused_as_keras():
    """Keras 3 refuses '/' in layer, input and model names ('/' separates layer and weight names in files)."""
    from tinygradconv import layers as L
    from tinygradconv import models as M

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is the optional reference for the message")
    makers = [lambda lib: lib.layers.Dense(2, name="a/b"), lambda lib: lib.layers.Input((3,), name="a/b"),
              lambda lib: lib.Sequential(name="a/b")]
    for make in makers:
        with pytest.raises(ValueError) as theirs:
            make(keras)
        with pytest.raises(ValueError) as ours:
            make(types.SimpleNamespace(layers=L, Sequential=M.Sequential))
        assert str(ours.value) == str(theirs.value)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras
@pytest.mark.parametrize("shape", [(2.5,), ("2",), (-1,), 2, (2, None), (2.0,), (np.float64(3),)])
def test_add_weight_refuses_a_bad_shape_as_keras(shape):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError) as theirs:
        keras.layers.Layer().add_weight(shape=shape)
    with pytest.raises(ValueError) as ours:
        tg.layers.Layer().add_weight(shape)
    expected = str(theirs.value).split(" for variable path")[0].strip()
    assert str(ours.value).strip() == expected


def test_add_weight_refuses_a_bool_dimension():
    with pytest.raises(ValueError, match="invalid dimension 'True'"):
        tg.layers.Layer().add_weight((True,))


def test_add_weight_accepts_integer_shapes():
    layer = tg.layers.Layer()
    assert layer.add_weight([2, np.int64(3)]).shape == (2, 3)
    assert layer.add_weight(()).shape == ()
    assert layer.add_weight((0, 2)).shape == (0, 2)


@pytest.mark.parametrize("initializer, dtype, fits_at", [
    ("glorot_uniform", "float32", 12 * 30),         # float64 draws, then cast: 8 + 4 bytes a value
    ("zeros", "float64", 16 * 30),                  # the float64 value and the weight's copy
    (lambda shape, dtype=None: np.zeros(shape, dtype), "float32", 8 * 30),   # a callable: value and copy
])
def test_a_weight_larger_than_the_memory_is_a_clear_error(initializer, dtype, fits_at, monkeypatch):
    """Found by a tester: ``Conv1DTranspose(10**9, 3)`` was killed by the system while its kernel was drawn. The
    machine's memory is set here so that a 30-value weight fits exactly, and one byte less refuses it, before
    anything is allocated, naming the layer, the weight, its shape and dtype."""
    from tinygradconv import validation

    monkeypatch.setattr(validation, "physical_memory", lambda: fits_at)
    layer = tg.layers.Layer(name="big")
    assert layer.add_weight((5, 6), initializer, dtype, name="kernel").shape == (5, 6)
    monkeypatch.setattr(validation, "physical_memory", lambda: fits_at - 1)
    with pytest.raises(ValueError, match=r"Layer 'big': creating the weight `kernel` of shape \(5, 6\) and dtype "
                       + dtype + r" needs at least .* GiB .*more than this machine's memory"):
        layer.add_weight((5, 6), initializer, dtype, name="kernel")
    assert len(layer.weights) == 1


def test_a_conv_layer_of_a_billion_filters_is_refused_before_it_allocates(monkeypatch):
    from tinygradconv import validation

    monkeypatch.setattr(validation, "physical_memory", lambda: 2**34)       # 16 GiB; the kernel alone: 11.2 GiB
    with pytest.raises(ValueError, match=r"Layer 'conv1d_transpose.*`kernel` of shape \(3, 1000000000, 1\)"):
        tg.layers.Conv1DTranspose(10**9, 3)(np.ones((1, 5, 1), np.float32))


def test_count_params_of_an_unbuilt_model_is_keras_value_error_and_counts_once_built():
    """Found by a Keras user: an unbuilt Sequential counted 0 parameters; Keras 3 raises this ValueError."""
    from tinygradconv import layers, models

    model = models.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match="You tried to call `count_params` on layer 'sequential.*isn't built"):
        model.count_params()
    model.build((None, 4))
    assert model.count_params() == 4 * 3 + 3          # kernel and bias, by hand


# ------------------------------------------------------------------------------------------------ Keras' configs
def _keras_layers(keras):
    """One Keras 3 layer of each class a .keras file may hold (non-default arguments), with an input for it."""
    K = keras.layers
    x = np.random.default_rng(0).normal(size=(2, 8, 4)).astype("float32")
    return [
        (K.Conv1D(3, 3, strides=2, padding="same", activation="tanh", kernel_regularizer="l2"), x),
        (K.Conv1DTranspose(2, 3, strides=2, output_padding=1, use_bias=False), x),
        (K.Dense(5, activation="relu", bias_initializer="ones"), x),
        (K.BatchNormalization(momentum=0.9, epsilon=0.01, beta_initializer="ones"), x),
        (K.LayerNormalization(epsilon=1e-4, center=False), x),
        (K.Activation("sigmoid"), x), (K.Dropout(0.5), x), (K.Flatten(), x), (K.Reshape((4, 8)), x),
        (K.Cropping1D((1, 2)), x), (K.UpSampling1D(3), x), (K.ZeroPadding1D((2, 1)), x),
        (K.Add(), [x, 2 * x]), (K.Concatenate(axis=1), [x, x]), (K.Maximum(), [x, -x]),
        (K.DepthwiseConv1D(3, depth_multiplier=2), x), (K.SeparableConv1D(3, 3, padding="same"), x),
        (K.GroupNormalization(2), x), (K.UnitNormalization(), x), (K.Permute((2, 1)), x), (K.Identity(), x),
        (K.SpatialDropout1D(0.5), x), (K.GaussianNoise(0.3), x), (K.GaussianDropout(0.3), x),
    ]


def test_layer_from_config_reads_keras_configs_as_keras_computes():
    keras = keras_on_torch("Keras 3's layer configs and outputs are the reference")
    for reference, x in _keras_layers(keras):
        expected = np.asarray(reference(x, training=False).detach().cpu())
        config = reference.get_config()
        item = keras.layers.serialize(reference)
        for ours in (getattr(tg.layers, type(reference).__name__).from_config(config),
                     tg.saving.deserialize_layer(item)):
            assert type(ours).__name__ == type(reference).__name__ and ours.name == reference.name
            ours(x)                                          # built, then given Keras' weights
            ours.set_weights(reference.get_weights())
            np.testing.assert_allclose(np.asarray(ours(x, training=False)), expected, rtol=1e-5, atol=1e-6,
                                       err_msg=type(reference).__name__)


@pytest.mark.parametrize("make, argument", [
    (lambda K: K.BatchNormalization(renorm=True), "renorm=True"),
    (lambda K: K.Dense(2, dtype="mixed_float16"), "dtype policy 'mixed_float16'"),
])
def test_layer_from_config_refuses_what_the_model_loaders_refuse(make, argument):
    keras = keras_on_torch("Keras 3's layer configs are the input")
    reference = make(keras.layers)
    cls = getattr(tg.layers, type(reference).__name__)
    with pytest.raises(ValueError, match=re.escape(argument)):
        cls.from_config(reference.get_config())
    with pytest.raises(ValueError, match=re.escape(argument)):
        tg.saving.deserialize_layer(keras.layers.serialize(reference))
    model = keras.Sequential([keras.Input((8, 4)), reference])
    with pytest.raises(ValueError, match=re.escape(argument)):     # the same refusal as the model loader's
        tg.models.model_from_json(model.to_json())


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.dtype("float64"), "float64"])
def test_layer_dtype_as_a_numpy_type(dtype):
    keras = keras_on_torch("Keras 3's layer dtype is the reference")
    assert Dense(2, dtype=dtype).dtype == keras.layers.Dense(2, dtype=dtype).dtype
    with pytest.raises(ValueError, match=r"`dtype`.*float64.*Received dtype=<class 'numpy.int32'>"):
        Dense(2, dtype=np.int32)


def _variable_names(lib, model, attribute):
    """The ``(name, path)`` of each of ``model.<attribute>``; Keras' random-seed states (``seed_generator_state``,
    which we have no equivalent of: see ``Layer.variables``) are left out."""
    return [(v.name, v.path) for v in getattr(model, attribute) if "seed_generator" not in v.path]


def test_variables_trainable_variables_and_non_trainable_variables_as_keras():
    """Keras 3's names on layers and models (found by a tester: they did not exist), with Keras' meaning and order,
    before and after freezing a layer and the whole model; a custom layer with its own trainable and non-trainable
    weights and a sub-layer too."""
    keras = keras_on_torch("Keras 3 is the reference for Layer.variables and its trainable lists")
    attributes = ("variables", "trainable_variables", "non_trainable_variables")

    def custom(lib):
        """A layer with a trainable and a non-trainable weight of its own, and a Dense sub-layer (in ``lib``)."""
        class Custom(lib.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.inner = lib.layers.Dense(2, name="inner")

            def build(self, input_shape):
                self.w = self.add_weight(shape=(3,), name="w")
                self.n = self.add_weight(shape=(1,), name="n", trainable=False)
                self.inner.build(input_shape)

            def call(self, inputs):
                return self.inner(inputs * self.w) + self.n

        return Custom(name="custom")

    def model(lib):
        return lib.models.Sequential([lib.layers.Input((3,)), custom(lib), lib.layers.Dense(4, name="d1"),
                                      lib.layers.BatchNormalization(name="bn"), lib.layers.Dropout(0.5, name="drop"),
                                      lib.layers.Dense(1, name="d2")], name="seq")

    models = {lib: model(lib) for lib in (keras, tg)}
    states = []
    for change in (None, "freeze d1", "freeze custom's inner", "freeze the model"):
        for m in models.values():
            if change == "freeze d1":
                m.get_layer("d1").trainable = False
            elif change == "freeze custom's inner":
                m.get_layer("custom").inner.trainable = False
            elif change == "freeze the model":
                m.trainable = False
        ours = {a: _variable_names(tg, models[tg], a) for a in attributes}
        theirs = {a: _variable_names(keras, models[keras], a) for a in attributes}
        assert ours == theirs, change
        states.append(ours)
    assert states[0]["non_trainable_variables"] == [("n", "seq/custom/n"), ("moving_mean", "seq/bn/moving_mean"),
                                                    ("moving_variance", "seq/bn/moving_variance")]
    assert states[-1]["trainable_variables"] == [] and states[-1]["non_trainable_variables"] == states[-1]["variables"]
    layer = models[tg].get_layer("bn")        # a layer has them too, and they are its weights themselves
    assert [id(w) for w in layer.variables] == [id(w) for w in layer.weights]
    assert [w.path for w in layer.non_trainable_variables] == ["seq/bn/gamma", "seq/bn/beta", "seq/bn/moving_mean",
                                                                 "seq/bn/moving_variance"]


@pytest.mark.parametrize("make", [lambda m: m.ReLU(activity_regularizer="l1"),
                                  lambda m: m.Softmax(activity_regularizer="l2"),
                                  lambda m: m.Reshape((6,), activity_regularizer="l1"),
                                  lambda m: m.LayerNormalization(activity_regularizer="l1")],
                         ids=["ReLU", "Softmax", "Reshape", "LayerNormalization"])
def test_every_layer_takes_an_activity_regularizer_as_in_keras(make):
    """Keras 3's base Layer takes ``activity_regularizer``; ours only Dense and the convolutions did (found by a
    tester). The penalty, ``regularizer(output) / batch``, by hand and against Keras where installed; the config
    has the key only when one is set, as Keras' has."""
    from tinygradconv import layers as ours_layers
    from tinygradconv import regularizers

    x = np.random.default_rng(0).standard_normal((2, 2, 3)).astype("float32")
    layer = make(ours_layers)
    out = layer(x).numpy()
    regularizer = regularizers.get(layer.get_config()["activity_regularizer"])
    expected = float(regularizer(tg.tensor(out)).numpy()) / 2
    assert len(layer.losses) == 1 and float(layer.losses[0].numpy()) == pytest.approx(expected, rel=1e-6)
    assert type(layer).from_config(layer.get_config()).activity_regularizer is not None
    assert "activity_regularizer" not in ours_layers.ReLU().get_config()
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 is the reference for activity regularizers")
    theirs = make(keras.layers)
    theirs(x)
    assert float(theirs.losses[0]) == pytest.approx(expected, rel=1e-5)


def test_input_dim_is_input_shape_of_one_axis_as_in_keras():
    from tinygradconv import layers, models

    model = models.Sequential([layers.Dense(2, input_dim=3)])
    assert model.input_shape == (None, 3)
    with pytest.raises(ValueError, match="Do not pass both `input_shape` and `input_dim`"):
        layers.Dense(2, input_dim=3, input_shape=(3,))


def test_concatenate_takes_a_numpy_integer_axis_as_keras():
    from tinygradconv import layers

    out = layers.Concatenate(axis=np.int64(1))([np.ones((2, 3, 1)), np.ones((2, 2, 1))])
    assert out.shape == (2, 5, 1) and layers.Concatenate(axis=np.int64(1)).get_config()["axis"] == 1


def test_a_build_from_a_mixin_locks_the_layer_too():
    """A ``build`` inherited from a class that is not a Layer was not wrapped: built twice, two sets of weights."""
    class Scaling:
        def build(self, input_shape):
            self.scale = self.add_weight((input_shape[-1],), initializer="ones", name="scale")

    class Scaled(Scaling, Layer):
        def call(self, inputs):
            return inputs * self.scale

    layer = Scaled()
    layer.build((None, 3))
    with pytest.raises(ValueError, match="already built"):
        layer.build((None, 3))
    assert len(layer.weights) == 1
