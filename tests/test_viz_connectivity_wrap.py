"""plot_connectivity when it wraps onto several rows, with many taps, with long indices, and drawing a layer.

Found by students and teachers: a wrapped diagram left a nearly empty last row and did not say where a row was cut
and where it went on; taps 8 apart shared a colour; ``strides=1`` given with a layer was ignored silently (while
``strides=2`` was refused); 7-digit indices were wider than their cells. References are independent of the code
under test: Keras layers' own configuration, the index formula written out here, and the figure as the Agg canvas
renders it.
"""
import os

import matplotlib.pyplot as plt
import pytest

from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------- an argument given with a layer
OP_FUNCTIONS = [viz.plot_connectivity, viz.connectivity_matrix, viz.tap_matrices, viz.connections,
                viz.conv_matrices, viz.plot_conv_matrix, viz.conv_setting, viz.output_length_formula]


@pytest.mark.parametrize("function", OP_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layer, argument, value, own", [
    (lambda: Conv1D(1, 3, strides=2), "strides", 1, "strides=2"),            # the default value: was ignored
    (lambda: Conv1D(1, 3, strides=2), "strides", 2, "strides=2"),            # the layer's own value
    (lambda: Conv1DTranspose(1, 3, strides=2), "strides", 1, "strides=2"),
    (lambda: Conv1DTranspose(1, 3, strides=2), "padding", "valid", "padding='valid'"),
    (lambda: Conv1DTranspose(1, 3, strides=2), "output_padding", None, "output_padding=None"),
    (lambda: Conv1D(1, 3, dilation_rate=2), "dilation_rate", 1, "dilation_rate=2"),
    (lambda: Conv1D(1, 3), "kernel_size", None, "kernel_size=3"),
])
def test_an_op_argument_given_with_a_layer_is_refused_whatever_its_value(function, layer, argument, value, own):
    layer = layer()
    with pytest.raises(ValueError) as info:
        function(layer, 6, **{argument: value})
    message = str(info.value)
    assert message.startswith(f"Invalid value for argument `{argument}`: {argument}={value!r} given with a "
                              f"{type(layer).__name__} layer would be ignored: the layer's own {own} is used")
    assert isinstance(info.value, TypeError)              # what it was before, for code that caught that
    assert plt.get_fignums() == []                         # refused before anything is drawn


def test_conv1d_has_no_output_padding_to_give():
    with pytest.raises(ValueError, match=r"`output_padding`: output_padding=0 given with a Conv1D layer would be "
                                         r"ignored: a Conv1D has no output_padding \(its settings: kernel_size=3"):
        viz.plot_connectivity(Conv1D(1, 3), 6, output_padding=0)


def test_a_layer_with_its_arguments_left_out_is_drawn_with_its_own_settings_as_keras_reads_them():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    ours = Conv1DTranspose(1, 4, strides=2, padding="same")
    reference = keras.layers.Conv1DTranspose(1, 4, strides=2, padding="same").get_config()
    ax = viz.plot_connectivity(ours, 5)
    assert (f"k={reference['kernel_size'][0]}, strides={reference['strides'][0]}, "
            f"padding={reference['padding']!r}") in ax.get_title()
    # the signature still reads as the op's defaults
    import inspect
    defaults = {name: p.default for name, p in inspect.signature(viz.plot_connectivity).parameters.items()}
    assert repr(defaults["strides"]) == "1" and repr(defaults["padding"]) == "'valid'"
    # and the op's arguments given with "conv1d" keep working at their default values
    assert viz.connectivity_matrix("conv1d", 4, kernel_size=2, strides=1, padding="valid",
                                   dilation_rate=1).astype(int).tolist() == [[1, 1, 0, 0], [0, 1, 1, 0],
                                                                             [0, 0, 1, 1]]
