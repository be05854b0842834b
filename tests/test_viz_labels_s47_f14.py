"""A convolution's row label names its own activation where that changes which steps or channels connect (a
reviewer, session 47 f14: ``Conv1D(3, 2, strides=3, data_format="channels_first", activation="softmax")`` connects
every step, and its label said only ``Conv1D(k=2, s=3)``)."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.pyplot as plt

from tinygradconv import layers, models, viz
from tinygradconv.viz import model_connectivity as mc


def _row_labels(layer, input_shape, length):
    x = layers.Input(input_shape)
    model = models.Model(x, layer(x))
    fig = viz.plot_model_connectivity(model, length)
    labels = [t.get_text().replace("\n", " ") for ax in fig.axes for t in ax.get_yticklabels()]
    matrix = viz.model_connectivity_matrix(model, length)
    plt.close(fig)
    return labels, matrix


def test_a_softmax_over_the_steps_is_in_the_label_and_connects_every_step():
    labels, matrix = _row_labels(layers.Conv1D(3, 2, strides=3, data_format="channels_first",
                                               activation="softmax"), (2, 12), 12)
    assert "Conv1D(k=2, s=3, activation='softmax' over the steps)" in labels[0], labels
    # by hand: output step n's window reads steps 3n and 3n + 1 (step 3n + 2 no window reads), and the softmax over
    # the 4 output steps joins the windows: every output step reads every step that some window reads
    read = np.arange(12) % 3 != 2
    assert matrix.shape == (4, 12)
    assert np.array_equal(matrix > 0, np.broadcast_to(read, (4, 12)))


def test_a_softmax_over_the_channels_that_joins_groups_is_in_the_label():
    labels, _ = _row_labels(layers.Conv1D(4, 3, groups=2, activation="softmax"), (6, 4), 6)
    assert "Conv1D(k=3, s=1, activation='softmax')" in labels[0], labels


@pytest.mark.parametrize("layer", [layers.Conv1D(4, 3, groups=2, activation="relu"),
                                   layers.Conv1D(4, 3, activation="softmax")])
def test_an_activation_that_changes_no_rule_stays_out_of_the_label(layer):
    labels, _ = _row_labels(layer, (6, 4), 6)
    assert labels[0].endswith("Conv1D(k=3, s=1)"), labels
    assert mc.channel_rule(layer) == mc._own_channel_rule(layer, "Conv1D")


def test_one_activation_name_function():
    import inspect
    source = inspect.getsource(mc)
    assert source.count("def _activation_name(") == 1
