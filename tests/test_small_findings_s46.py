"""Small findings left by session 46's builders: the Conv1DTranspose length hints that printed the exercise's answer,
the connectivity matrix of a pooling layer asked for weights="model", BatchNormalization's training behaviour in
the connectivity pictures, Model subclasses revived by from_config and cloned by clone_model, and an optimizer shared
by two models."""
import numpy as np
import pytest

from tinygradconv.exercises import check_output_length


def _report(checker, fn):
    with pytest.raises(AssertionError) as raised:
        checker(fn)
    return str(raised.value)


def test_output_padding_none_as_zero_hint_does_not_print_the_answer():
    """Keras' length for an integer output_padding, (L - 1) * s + k_eff - 2 * pad + output_padding, with None taken
    as 0 ("valid": (L - 1) * s + k). Keras' length with None, by hand for L = 1, k = 1, s = 2, "valid": 2 (one input
    step, given strides = 2 output steps)."""
    def fn(L, k, s, padding, output_padding, d):
        span = (k - 1) * d + 1
        pad = 0 if padding == "valid" else span // 2
        return (L - 1) * s + span - 2 * pad + (output_padding or 0)

    report = _report(check_output_length, fn)
    assert "expected: 2\n  received: 1" in report
    assert "max(" not in report and "L * strides for" not in report, report


def test_forward_conv_length_hint_does_not_print_the_answer():
    """The forward Conv1D's length, (L - k_eff) // s + 1, on "valid" (Keras' length elsewhere, from the op): the hint
    said "L * strides for "same" and (L - 1) * strides + max(k_eff, strides) for "valid""."""
    def fn(L, k, s, padding, output_padding, d):
        span = (k - 1) * d + 1
        if padding == "valid":
            return (L - span) // s + 1
        return L * s if output_padding is None else (L - 1) * s + span - 2 * (span // 2) + output_padding

    report = _report(check_output_length, fn)
    assert "is the forward convolution's length" in report
    assert "max(" not in report and "chooses the length itself: it gives each of the L input steps" in report


def test_jacobian_of_a_pooling_layer_says_what_weights_model_means():
    """``weights="model"`` on a MaxPooling1D said "needs a built model": a pooling layer has no weights to build.
    An unbuilt Conv1D still needs building."""
    from tinygradconv import layers, models, viz

    with pytest.raises(ValueError) as raised:
        viz.model_connectivity_matrix(layers.MaxPooling1D(2), 4, weights="model")
    message = str(raised.value)
    assert "built" not in message, message
    assert "the Jacobian at a point with the model's own weights" in message
    assert "(MaxPooling1D) has no layer with a kernel (pooling" in message and "weights=None" in message
    with pytest.raises(ValueError, match="needs a built model"):
        viz.model_connectivity_matrix(models.Sequential([layers.Conv1D(1, 2)]), 4, weights="model")
    # the wrapper the message suggests works: MaxPooling1D(2) at x = [1, 2, 4, 3] passes on steps 1 and 2 (by hand:
    # max(1, 2) = x[1], max(4, 3) = x[2])
    x = layers.Input((4, 1))
    jacobian = viz.model_connectivity_matrix(models.Model(x, layers.MaxPooling1D(2)(x)), 4, weights="model",
                                             at=np.array([1.0, 2.0, 4.0, 3.0]))
    assert jacobian.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0]]


def _keras_batchnorm_connects_steps_in_training(axis):
    """Keras as the reference: does a step of the input change the other steps of BatchNormalization(axis)'s output
    in training (batch statistics)?"""
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    moved = x.copy()
    moved[:, 0, :] *= 3.0
    bn = keras.layers.BatchNormalization(axis=axis)
    y0, y1 = (np.asarray(keras.ops.convert_to_numpy(bn(v, training=True))) for v in (x, moved))
    return bool(np.abs(y1 - y0)[:, 1:, :].max() > 1e-4)


@pytest.mark.parametrize("axis", [-1, 1])
def test_pictures_with_a_batchnormalization_say_it_is_drawn_at_inference(axis):
    """BatchNormalization is drawn as the identity (inference); in training its statistics run over the steps with
    the default axis (the channels), and every step connects, which the titles of all four pictures now say. With
    axis=1 (the steps of a channels_last signal) its statistics are per step: no note (Keras agrees)."""
    pytest.importorskip("matplotlib")
    from tinygradconv import layers, models, viz

    connects = _keras_batchnorm_connects_steps_in_training(axis)
    assert connects == (axis == -1)
    m = models.Sequential([layers.Input((8, 1)), layers.Conv1D(1, 3), layers.BatchNormalization(axis=axis),
                           layers.Conv1DTranspose(1, 2, strides=2)])
    note = "in training its batch statistics run over the steps, connecting every step"
    titles = [viz.plot_model_connectivity(m, 8)._suptitle.get_text(),
              viz.plot_model_connectivity(m, 60).axes[0].get_title(),
              viz.plot_receptive_field(m, 8, 3).get_title(),
              viz.plot_overlap_counts(m, 8).get_title()]
    for title in titles:
        assert (note in " ".join(title.split())) == connects, title
    nested = models.Sequential([layers.Input((8, 1)), models.Sequential([layers.BatchNormalization(axis=axis)])])
    assert (note in " ".join(viz.plot_model_connectivity(nested, 8)._suptitle.get_text().split())) == connects
    plain = models.Sequential([layers.Input((8, 1)), layers.Conv1D(1, 3)])
    assert "BatchNormalization" not in viz.plot_model_connectivity(plain, 8)._suptitle.get_text()
    import matplotlib.pyplot as plt

    plt.close("all")


def _keras_outcome(make):
    """What Keras 3 does: ``make(keras)`` returns a value, or the exception's type name."""
    keras = pytest.importorskip("keras")
    try:
        return make(keras)
    except Exception as error:  # noqa: BLE001 - the reference's outcome, whatever it is
        return type(error).__name__


def test_from_config_of_a_subclass_without_trainable_raises_type_error_as_keras():
    """A constructor of exactly ``(inputs, outputs, name=None)``: Keras 3.15's from_config passes ``trainable`` too
    and raises TypeError (its clone_model passes the name only, and works); the TypeError here now says which
    arguments from_config passes and why."""
    from tinygradconv import layers, models

    def keras_from_config(keras):
        class KSub(keras.Model):
            def __init__(self, inputs, outputs, name=None):
                super().__init__(inputs, outputs, name=name)
        i = keras.Input((3,))
        m = KSub(i, keras.layers.Dense(2)(i))
        assert type(keras.models.clone_model(m)) is KSub
        return KSub.from_config(m.get_config())

    assert _keras_outcome(keras_from_config) == "TypeError"

    class Sub(models.Model):
        def __init__(self, inputs, outputs, name=None):
            super().__init__(inputs, outputs, name=name)

    i = layers.Input((3,))
    m = Sub(i, layers.Dense(2)(i), name="s")
    assert type(models.clone_model(m)) is Sub
    with pytest.raises(TypeError) as raised:
        Sub.from_config(m.get_config())
    message = str(raised.value)
    assert "Unable to revive model from config" in message and "name='s', trainable=True" in message
    assert "unexpected keyword argument 'trainable'" in message


def test_clone_of_a_subclass_whose_config_adds_an_entry_it_does_not_take():
    """The reviewer's input: ``(*a, **k)`` passed on to Model, and get_config adding "note". Keras 3.15: clone_model
    returns a Sub3 (its constructor gets the name only), from_config raises TypeError ("Unable to revive model from
    config"). Here clone_model raised ValueError ("Unrecognized keyword arguments ... {'note': 'x'}"), and so did
    from_config, where the docs say TypeError."""
    from tinygradconv import layers, models

    def keras_clone_then_from_config(keras):
        class KSub3(keras.Model):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)

            def get_config(self):
                return {**super().get_config(), "note": "x"}
        i = keras.Input((3,))
        m = KSub3(i, keras.layers.Dense(2)(i))
        clone = keras.models.clone_model(m)
        assert type(clone) is KSub3 and clone.get_config()["note"] == "x"
        return KSub3.from_config(m.get_config())

    assert _keras_outcome(keras_clone_then_from_config) == "TypeError"

    class Sub3(models.Model):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)

        def get_config(self):
            return {**super().get_config(), "note": "x"}

    i = layers.Input((3,))
    m = Sub3(i, layers.Dense(2)(i))
    clone = models.clone_model(m)
    assert type(clone) is Sub3 and clone.name == m.name and clone.get_config()["note"] == "x"
    x = np.arange(6.0).reshape(2, 3)
    clone.set_weights(m.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), x @ m.get_weights()[0] + m.get_weights()[1], rtol=1e-6)
    with pytest.raises(TypeError, match=r"Unable to revive model from config.*note='x'"):
        Sub3.from_config(m.get_config())
    # a constructor that takes the entry still gets it (the earlier fix kept)

    class Scaled(models.Model):
        def __init__(self, inputs, outputs, scale=1.0, **kwargs):
            super().__init__(inputs, outputs, **kwargs)
            self.scale = scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    assert models.clone_model(Scaled(i, layers.Dense(2)(i), scale=3.0)).scale == 3.0


def _two_models(framework):
    M, L = framework.models, framework.layers
    return [M.Sequential([L.Input((4,)), L.Dense(3, name="hidden"), L.Dense(2, name="out")], name=n) for n in "ab"]


def test_an_optimizer_shared_by_two_models_finds_the_paths_of_each():
    """The reviewer's input: one Muon compiled with "a" then "b", exclude_layers=["^a/"]. Keras 3.15 (the variable's
    own path): a's kernels 'a/hidden/kernel', 'a/out/kernel' use AdamW, b's do not. Here only the model compiled
    last was looked in, and a's kernel was 'hidden/kernel' (Muon)."""
    import gc
    import weakref

    import tinygradconv as tg
    from tinygradconv import models, optimizers

    keras = pytest.importorskip("keras")
    ka, kb = _two_models(keras)
    kopt = keras.optimizers.Muon(exclude_layers=["^a/"])
    ka.compile(kopt, "mse")
    kb.compile(kopt, "mse")
    expected = [[(w.path, kopt._should_use_adamw(w)) for w in m.trainable_weights if len(w.shape) == 2]
                for m in (ka, kb)]
    assert expected == [[("a/hidden/kernel", True), ("a/out/kernel", True)],
                        [("b/hidden/kernel", False), ("b/out/kernel", False)]]

    a, b = _two_models(tg)
    opt = optimizers.Muon(exclude_layers=["^a/"])
    a.compile(opt, "mse")
    b.compile(opt, "mse")
    loss = (a(tg.tensor(np.ones((5, 4), "float32"))) ** 2).mean()
    loss.backward()
    opt.apply([w.grad for w in a.trainable_weights], a.trainable_weights)
    got = [[(opt._path_of(w), opt.uses_adamw(w)) for w in m.trainable_weights if w.ndim == 2] for m in (a, b)]
    assert got == expected
    # the optimizer keeps the models weakly: they are still garbage-collected
    refs = [weakref.ref(a), weakref.ref(b)]
    del a, b, loss
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
    c = models.Sequential([tg.layers.Input((4,)), tg.layers.Dense(3, name="hidden")], name="a")
    c.compile(opt, "mse")            # a model compiled after the others were collected: its paths, from it
    assert opt._path_of(c.trainable_weights[0]) == "a/hidden/kernel"
