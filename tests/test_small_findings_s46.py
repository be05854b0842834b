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
