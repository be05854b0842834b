"""Model-level connectivity: the path matrix of a stack against the product of layer matrices written here from the
Keras formulas (naive loops), the channel-summed Jacobian against float64 finite differences, overlap counts
against hand-computed numbers, and the plots' text inside their figures."""

import numpy as np
import pytest
from figure_check import assert_readable
from reference_connectivity import naive_conv as naive_conv_matrix
from reference_connectivity import naive_transpose as naive_transpose_matrix

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import (
    Activation,
    Conv1D,
    Conv1DTranspose,
    Cropping1D,
    Dropout,
    UpSampling1D,
    ZeroPadding1D,
)
from tinygradconv.models import Sequential


# ------------------------------------------------------------------------------------------------------------
# Each layer's matrix by a naive loop from the Keras formulas (one channel, all-ones kernel; the convolutions'
# loops are in tests/reference_connectivity.py, shared with tests/test_viz.py)
# ------------------------------------------------------------------------------------------------------------
def naive_conv(L, k, s, padding, d):
    return naive_conv_matrix(L, k, s, padding, d, np.ones(k))[0]


def naive_transpose(L, k, s, padding, op, d):
    return naive_transpose_matrix(L, k, s, padding, op, d, np.ones(k))[0]


def naive_matrix(layer, L):
    if isinstance(layer, Conv1DTranspose):
        return naive_transpose(L, layer.kernel_size[0], layer.strides[0], layer.padding,
                               None if layer.output_padding is None else layer.output_padding[0],
                               layer.dilation_rate[0])
    if isinstance(layer, Conv1D):
        return naive_conv(L, layer.kernel_size[0], layer.strides[0], layer.padding, layer.dilation_rate[0])
    if isinstance(layer, UpSampling1D):
        return np.array([[1.0 if n // layer.size == j else 0.0 for j in range(L)] for n in range(L * layer.size)])
    if isinstance(layer, ZeroPadding1D):
        left, right = layer.padding
        return np.array([[1.0 if n - left == j else 0.0 for j in range(L)] for n in range(L + left + right)])
    if isinstance(layer, Cropping1D):
        left, right = layer.cropping
        return np.array([[1.0 if n + left == j else 0.0 for j in range(L)] for n in range(L - left - right)])
    return np.eye(L)                                       # element-wise layers


def random_layer(rng):
    kind = rng.integers(0, 6)
    if kind == 0:
        d = int(rng.integers(1, 3))
        return Conv1D(int(rng.integers(1, 4)), int(rng.integers(1, 5)), strides=1 if d > 1 else int(rng.integers(1, 3)),
                      padding=str(rng.choice(["valid", "same", "causal"])), dilation_rate=d)
    if kind == 1:
        s = int(rng.integers(1, 4))
        op = None if rng.random() < 0.5 else int(rng.integers(0, s))
        return Conv1DTranspose(int(rng.integers(1, 4)), int(rng.integers(1, 6)), strides=s,
                               padding=str(rng.choice(["valid", "same"])), output_padding=op)
    if kind == 2:
        return UpSampling1D(int(rng.integers(1, 4)))
    if kind == 3:
        return ZeroPadding1D((int(rng.integers(0, 3)), int(rng.integers(0, 3))))
    if kind == 4:
        return Cropping1D((int(rng.integers(0, 2)), int(rng.integers(0, 2))))
    return Activation("relu") if rng.random() < 0.5 else Dropout(0.5)


def test_path_matrix_of_random_stacks_is_the_product_of_naive_layer_matrices():
    rng = np.random.default_rng(0)
    checked = 0
    while checked < 40:
        layers = [random_layer(rng) for _ in range(int(rng.integers(1, 5)))]
        L = int(rng.integers(3, 9))
        expected, length, ok = np.eye(L), L, True
        for layer in layers:
            m = naive_matrix(layer, length)
            if m.shape[0] <= 0:
                ok = False
                break
            expected, length = m @ expected, m.shape[0]
        if not ok:
            continue
        model = Sequential(layers)
        got = viz.connectivity_matrix(model, L)
        np.testing.assert_array_equal(got, expected, err_msg=str([type(layer).__name__ for layer in layers]))
        # the layers' own matrices, one by one, are the naive ones too
        length = L
        for layer, m in viz.layer_matrices(model, L):
            np.testing.assert_array_equal(m, naive_matrix(layer, length))
            length = m.shape[0]
        checked += 1


def test_model_weights_give_the_jacobian_summed_over_channels():
    """weights='model' against float64 central differences of the model's own forward pass."""
    tg.random.set_seed(3)
    model = Sequential([Conv1D(3, 3, padding="same", activation="tanh"), UpSampling1D(2),
                        Conv1DTranspose(2, 4, strides=2, padding="same")])
    L, channels = 5, 2
    model(np.zeros((1, L, channels)))
    at = np.random.default_rng(1).standard_normal((L, channels))
    got = viz.model_connectivity_matrix(model, L, weights="model", at=at)    # float32 weights: loose tolerance

    def f(x):
        return np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), dtype=np.float64)[0]

    eps = 1e-3
    n_out = f(at).shape[0]
    expected = np.zeros((n_out, L))
    for j in range(L):
        for c in range(channels):
            plus, minus = at.copy(), at.copy()
            plus[j, c] += eps
            minus[j, c] -= eps
            expected[:, j] += ((f(plus) - f(minus)) / (2 * eps)).sum(axis=1)
    np.testing.assert_allclose(got, expected, atol=2e-3)


def test_overlap_counts_hand_computed():
    # k = 3, s = 2, valid, L = 4: full length 9; x_j covers 2j, 2j+1, 2j+2.
    assert viz.overlap_counts("conv1d_transpose", 4, kernel_size=3, strides=2).tolist() == \
        [1, 1, 2, 1, 2, 1, 2, 1, 1]
    # k = 4, s = 2: every step but the two at each end is reached twice.
    counts = viz.overlap_counts(Conv1DTranspose(1, 4, strides=2), 6)
    assert counts.tolist() == [1, 1] + [2] * 10 + [1, 1]
    # Two k = 3, s = 2 layers: the uneven pattern compounds (1, 2 then 1, 3, 2, 3 inside). By hand: the second layer
    # sends count c_j of its input step j to 2j, 2j+1, 2j+2.
    first = [1, 1, 2, 1, 2, 1, 2, 1, 1]
    second = np.zeros(2 * 8 + 3)
    for j, c in enumerate(first):
        second[2 * j: 2 * j + 3] += c
    model = Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)])
    assert viz.overlap_counts(model, 4).tolist() == second.tolist()
    inside = second[4:-4]
    assert set(inside.tolist()) == {1.0, 2.0, 3.0}
    # Resize-convolution: UpSampling1D(2) then Conv1D(k=3, same): three paths into every step but the two ends.
    even = viz.overlap_counts(Sequential([UpSampling1D(2), Conv1D(1, 3, padding="same")]), 5)
    assert even.tolist() == [2] + [3] * 8 + [2]


def test_plots_and_receptive_field():
    model = Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)])
    fig = viz.plot_connectivity(model, 4)
    np.testing.assert_array_equal(fig.path_matrix, viz.connectivity_matrix(model, 4))
    cells = [t.get_text() for t in fig.axes[0].texts if t.get_text().replace(".", "").isdigit()]
    assert cells[:4] == ["1"] * 4 and len(cells) == 4 + 9 + 19
    ax = viz.plot_receptive_field(model, 4, 9)
    # the row of the product of the naive layer matrices
    expected = naive_transpose(9, 3, 2, "valid", None, 1) @ naive_transpose(4, 3, 2, "valid", None, 1)
    np.testing.assert_array_equal(ax.receptive_field, expected[9])
    # one bar per input step, as tall as its path count: a step with no path draws nothing (no grey stub)
    assert [p.get_height() for p in ax.patches] == expected[9].tolist()
    seen = np.nonzero(expected[9])[0]
    assert f"sees {seen.size} input steps ({seen[0]}" in ax.get_title()
    assert f"by {expected[9].sum():g} paths in all" in ax.get_title()
    with pytest.raises(ValueError, match="output_index"):
        viz.plot_receptive_field(model, 4, 19)
    ax = viz.plot_overlap_counts(model, 4)
    assert [p.get_height() for p in ax.patches] == viz.overlap_counts(model, 4).tolist()
    for figure in {fig, ax.figure, viz.plot_receptive_field(model, 4, 3).figure}:
        assert_readable(figure)


def test_errors_name_the_argument():
    # (Dense is drawn: per step; Flatten too, since session 46: every step to one; Softmax since session 47, by
    # its axis: a layer of the user's own has none)
    class Doubled(tg.layers.Layer):
        def call(self, x):
            return x * 2.0

    with pytest.raises(TypeError, match="Doubled.*no connectivity matrix"):
        viz.connectivity_matrix(Sequential([Doubled()]), 4)
    with pytest.raises(ValueError, match="weights"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 4, weights="kernel")
    with pytest.raises(ValueError, match="input_length"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 0)
    with pytest.raises(ValueError, match="longer input_length"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 5)]), 3)
    with pytest.raises(TypeError, match="Sequential"):
        viz.model_connectivity_matrix(object(), 4)
    with pytest.raises(ValueError, match="weights"):
        viz.plot_connectivity(Sequential([Conv1D(1, 2)]), 4, weights="kernel")
    with pytest.raises(ValueError, match="built model"):
        viz.model_connectivity_matrix(Sequential([Conv1D(1, 2)]), 4, weights="model")


@pytest.mark.parametrize("case", range(4))
def test_layer_by_layer_drawing_is_readable(case):
    model, L = [
        (Sequential([Conv1DTranspose(1, 3, strides=2)]), 3),
        (Sequential([UpSampling1D(2), Conv1D(1, 3, padding="same"), ZeroPadding1D((1, 2)), Cropping1D((2, 1))]), 6),
        (Sequential([Conv1DTranspose(1, 3, strides=2) for _ in range(3)]), 10),
        (Sequential([Conv1D(1, 9, strides=4)]), 40),
    ][case]
    fig = viz.plot_connectivity(model, L)
    assert fig.get_size_inches()[0] <= 10
    assert_readable(fig)
    if case == 2:                                  # 10 -> 21 -> 43 -> 87 steps: the path-count matrix instead
        assert not fig.layer_by_layer
        return
    assert fig.layer_by_layer
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "input" and len(labels) == len(model.layers) + 1


def test_a_model_too_wide_for_layers_is_drawn_as_its_path_count_matrix():
    """16 -> 32 -> 64 steps: no room for a count per cell; the colour-coded matrix of path counts, with a colour
    bar, and a title that says why and how to get the layer-by-layer drawing."""
    model = Sequential([Conv1DTranspose(1, 3, strides=2, padding="same"),
                        Conv1DTranspose(1, 4, strides=2, padding="same")])
    fig = viz.plot_connectivity(model, 16)
    assert_readable(fig)
    assert not fig.layer_by_layer and len(fig.axes) == 2                 # the matrix and its colour bar
    shown = fig.axes[0].images[0].get_array()
    expected = naive_matrix(model.layers[1], 32) @ naive_matrix(model.layers[0], 16)     # P = A2 A1
    assert shown.shape == (64, 16)
    np.testing.assert_array_equal(np.where(shown > 0, shown, 0), expected)
    assert fig.axes[1].get_ylim()[1] == pytest.approx(expected.max())
    title = fig.axes[0].get_title().replace("\n", " ")
    assert "64-step signal is too wide" in title and "shorter input_length" in title
    assert len(fig.axes[0].lines) == 0                                   # no mesh of edges


# ------------------------------------------------------------------------------------------------------------
# Functional models: the path matrix as the sum over every route from the input to the output of the product of
# the naive matrices along it (enumerated one route at a time, not by the module's layer-by-layer accumulation)
# ------------------------------------------------------------------------------------------------------------
ELEMENTWISE_MERGES = (tg.layers.Add, tg.layers.Subtract, tg.layers.Average, tg.layers.Maximum, tg.layers.Minimum,
                      tg.layers.Multiply)
MERGE_NAMES = [cls.__name__ for cls in ELEMENTWISE_MERGES] + ["Concatenate"]


def routes(graph, k):
    """Every route from the input (node 0) to node ``k``, as the list of edge matrices along it, input first."""
    if k == 0:
        yield []
        return
    for source, block in graph[k]["edges"]:
        for route in routes(graph, source):
            yield route + [block]


def route_sum(graph, k):
    total = np.zeros((graph[k]["length"], graph[0]["length"]))
    for route in routes(graph, k):
        product = np.eye(graph[0]["length"])
        for block in route:
            product = block @ product
        total += product
    return total


class GraphBuilder:
    """Builds a functional model and, beside it, the test's own graph: per node its length, channels and the edges
    ``(source node, matrix)`` from the formulas (naive layer matrices, identities for merges, blocks for a
    concatenation along the steps)."""

    def __init__(self, length, channels=1, dtype="float32"):
        self.dtype = dtype
        self.input = tg.layers.Input((length, channels), dtype=dtype, name="signal")
        self.tensors = [self.input]
        self.graph = [{"length": length, "channels": channels, "edges": []}]

    def layer(self, layer, source=-1):
        source = source % len(self.tensors)
        length, channels = self.graph[source]["length"], self.graph[source]["channels"]
        block = naive_matrix(layer, length)
        out = layer(self.tensors[source])
        self.tensors.append(out)
        self.graph.append({"length": block.shape[0], "channels": out.shape[-1], "edges": [(source, block)]})
        assert out.shape[1] == block.shape[0] and channels is not None
        return len(self.tensors) - 1

    def merge(self, layer, sources):
        sources = [s % len(self.tensors) for s in sources]
        lengths = [self.graph[s]["length"] for s in sources]
        out = layer([self.tensors[s] for s in sources])
        if isinstance(layer, tg.layers.Concatenate) and layer.axis in (1, -2):     # steps: one block per input
            offsets = np.cumsum([0] + lengths)
            edges = []
            for s, n, offset in zip(sources, lengths, offsets):
                block = np.zeros((offsets[-1], n))
                for i in range(n):
                    block[offset + i, i] = 1.0
                edges.append((s, block))
        else:                                                                    # step n takes step n of each
            edges = [(s, np.eye(lengths[0])) for s in sources]
        self.tensors.append(out)
        self.graph.append({"length": out.shape[1], "channels": out.shape[-1], "edges": edges})
        return len(self.tensors) - 1

    def model(self, output=-1):
        return tg.models.Model(self.input, self.tensors[output])


def random_same_length_layer(rng, dtype, channels):
    kind = rng.integers(0, 4)
    if kind == 0:
        return Conv1D(channels, int(rng.integers(1, 5)), padding="same", dilation_rate=int(rng.integers(1, 3)),
                      activation="tanh", dtype=dtype)
    if kind == 1:
        return Conv1D(channels, int(rng.integers(1, 4)), padding="causal", dtype=dtype)
    if kind == 2:
        return Conv1DTranspose(channels, int(rng.integers(1, 4)), padding="same", dtype=dtype)
    return Activation("tanh", dtype=dtype)


def random_dag(rng, dtype="float32"):
    """A random DAG: layers that change the length now and then, merges of two earlier tensors of equal shape."""
    L = int(rng.integers(4, 9))
    g = GraphBuilder(L, channels=2, dtype=dtype)
    for _ in range(int(rng.integers(3, 8))):
        pick = rng.random()
        if pick < 0.45 or len(g.tensors) < 3:
            g.layer(random_same_length_layer(rng, dtype, 2), source=int(rng.integers(0, len(g.tensors))))
        elif pick < 0.55:
            g.layer(random_layer(rng) if dtype == "float32" else UpSampling1D(2, dtype=dtype))
            if g.graph[-1]["length"] < 1 or g.graph[-1]["channels"] != 2:
                g.layer(Conv1D(2, 1, dtype=dtype))                             # back to two channels
        else:
            last = len(g.tensors) - 1
            same = [s for s in range(last) if g.graph[s]["length"] == g.graph[last]["length"]
                    and g.graph[s]["channels"] == g.graph[last]["channels"]]
            if not same:
                g.layer(random_same_length_layer(rng, dtype, 2))
                continue
            other = int(rng.choice(same))
            which = rng.integers(0, 8)
            if which < 6:
                g.merge(ELEMENTWISE_MERGES[which](dtype=dtype), [last, other])
            else:
                g.merge(tg.layers.Concatenate(axis=-1 if which == 6 else 1, dtype=dtype), [last, other])
                g.layer(Conv1D(2, int(rng.integers(1, 4)), padding="same", dtype=dtype))
    return g


def test_path_matrix_of_random_dags_is_the_sum_over_routes_of_naive_products():
    rng = np.random.default_rng(5)
    merges_seen = set()
    for _ in range(30):
        g = random_dag(rng)
        model = g.model()
        merges_seen |= {type(layer).__name__ for layer in model.layers if type(layer).__name__ in MERGE_NAMES}
        got = viz.connectivity_matrix(model, g.graph[0]["length"])
        np.testing.assert_array_equal(got, route_sum(g.graph, len(g.graph) - 1),
                                      err_msg=str([layer.name for layer in model.layers]))
    assert merges_seen == set(MERGE_NAMES)                           # every merge kind was exercised


def unet(length, dtype="float32", channels=2, steps_concat=False):
    """A U-Net-like graph: two strided encoders, two strided decoders, two skips (Concatenate, then Add)."""
    g = GraphBuilder(length, channels=2, dtype=dtype)
    e1 = g.layer(Conv1D(channels, 3, padding="same", activation="tanh", dtype=dtype))
    e2 = g.layer(Conv1D(channels, 3, strides=2, padding="same", activation="tanh", dtype=dtype))
    g.layer(Conv1D(channels, 3, strides=2, padding="same", dtype=dtype))
    d2 = g.layer(Conv1DTranspose(channels, 3, strides=2, padding="same", activation="tanh", dtype=dtype))
    g.merge(tg.layers.Concatenate(axis=1 if steps_concat else -1, dtype=dtype), [d2, e2])
    d1 = g.layer(Conv1DTranspose(channels, 4, strides=2, padding="same", dtype=dtype))
    if steps_concat:
        return g
    g.merge(tg.layers.Add(dtype=dtype), [d1, e1])
    g.layer(Conv1D(1, 3, padding="same", dtype=dtype))
    return g


def test_unet_like_path_matrix_and_skip_connections_by_hand():
    g = unet(8)
    model = g.model()
    P = viz.connectivity_matrix(model, 8)
    np.testing.assert_array_equal(P, route_sum(g.graph, len(g.graph) - 1))
    # by the rule: the Add skip contributes the matrix of out(Add(., enc1)), here out @ enc1 with naive matrices
    out, enc1 = naive_conv(8, 3, 1, "same", 1), naive_conv(8, 3, 1, "same", 1)
    deep = P - out @ enc1
    assert (deep >= 0).all() and deep.sum() > 0                   # the deep route adds paths on top of the skip
    # a Concatenate along the steps stacks: the decoder's 4 steps, then the encoder's 4, then doubled by d1
    g = unet(8, steps_concat=True)
    P = viz.connectivity_matrix(g.model(), 8)
    np.testing.assert_array_equal(P, route_sum(g.graph, len(g.graph) - 1))
    assert P.shape == (2 * (4 + 4), 8)


@pytest.mark.parametrize("seed", range(3))
def test_model_weights_of_functional_models_are_the_channel_summed_jacobian(seed):
    """weights='model' against float64 central differences: a U-Net-like graph and random DAGs (float64 layers)."""
    rng = np.random.default_rng(seed)
    tg.random.set_seed(seed)
    g = unet(8, dtype="float64") if seed == 0 else random_dag(rng, dtype="float64")
    model = g.model()
    L = g.graph[0]["length"]
    at = rng.standard_normal((L, 2))
    got = viz.model_connectivity_matrix(model, L, weights="model", at=at)

    def f(x):
        return np.asarray(model(tg.tensor(x[None], dtype="float64"), training=False).numpy(), dtype=np.float64)[0]

    eps = 1e-6
    expected = np.zeros((f(at).shape[0], L))
    for j in range(L):
        for c in range(2):
            plus, minus = at.copy(), at.copy()
            plus[j, c] += eps
            minus[j, c] -= eps
            expected[:, j] += ((f(plus) - f(minus)) / (2 * eps)).sum(axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_sequential_and_the_same_functional_model_agree():
    tg.random.set_seed(7)
    stack = [Conv1D(3, 3, padding="same", activation="tanh"), UpSampling1D(2), ZeroPadding1D((1, 0)),
             Conv1DTranspose(2, 3, strides=2), Cropping1D((1, 2)), Conv1D(1, 2)]
    sequential = Sequential(stack)
    sequential(np.zeros((1, 6, 2)))
    x = tg.layers.Input((None, 2))
    y = x
    for layer in stack:                                          # the same layer objects: the same weights
        y = layer(y)
    functional = tg.models.Model(x, y)
    np.testing.assert_array_equal(viz.connectivity_matrix(functional, 6), viz.connectivity_matrix(sequential, 6))
    at = np.random.default_rng(0).standard_normal((6, 2))
    np.testing.assert_allclose(viz.model_connectivity_matrix(functional, 6, weights="model", at=at),
                               viz.model_connectivity_matrix(sequential, 6, weights="model", at=at), rtol=1e-6)
    for (a, ma), (b, mb) in zip(viz.layer_matrices(functional, 6), viz.layer_matrices(sequential, 6)):
        assert a is b
        np.testing.assert_array_equal(ma, mb)
    np.testing.assert_array_equal(viz.overlap_counts(functional, 6), viz.overlap_counts(sequential, 6))
    # a Sequential used as a layer of a functional model counts as its own path matrix
    x = tg.layers.Input((None, 2))
    np.testing.assert_array_equal(viz.connectivity_matrix(tg.models.Model(x, sequential(x)), 6),
                                  viz.connectivity_matrix(sequential, 6))
    block = Sequential([Conv1D(2, 3, padding="same"), Conv1DTranspose(2, 4, padding="same")])
    residual = tg.models.Model(x, tg.layers.Add()([block(x), x]))
    expected = naive_transpose(7, 4, 1, "same", None, 1) @ naive_conv(7, 3, 1, "same", 1) + np.eye(7)
    np.testing.assert_array_equal(viz.connectivity_matrix(residual, 7), expected)


def test_functional_model_drawing_notes_the_skips():
    g = unet(8)
    model = g.model()
    fig = viz.plot_connectivity(model, 8)
    assert_readable(fig)
    np.testing.assert_array_equal(fig.path_matrix, viz.connectivity_matrix(model, 8))
    # rows: input, e1, e2, bottom, d2, concat, d1, add, out; skips e2 -> concat (rows 2 -> 5), e1 -> add (1 -> 7)
    assert fig.skips == [(2, 5), (1, 7)]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "input" and len(labels) == 9
    # bottom row first (a long label is folded onto lines: read as one)
    assert labels[1].replace("\n", " ").startswith(model.layers[-2].name + ": Add(")
    ax = viz.plot_receptive_field(model, 8, 3)
    np.testing.assert_array_equal(ax.receptive_field, route_sum(g.graph, len(g.graph) - 1)[3])
    assert_readable(ax.figure)
    ax = viz.plot_overlap_counts(model, 8)
    assert [p.get_height() for p in ax.patches] == route_sum(g.graph, len(g.graph) - 1).sum(axis=1).tolist()
    assert_readable(ax.figure)


def test_functional_errors_say_what_to_do():
    x = tg.layers.Input((None, 1))
    a, b = Conv1D(1, 3)(x), Conv1D(1, 2)(x)
    with pytest.raises(ValueError, match=r"2 output\(s\).*models.Model\(model.inputs\[i\], model.outputs\[k\]\)"):
        viz.connectivity_matrix(tg.models.Model(x, [a, b]), 6)
    x2 = tg.layers.Input((None, 1))
    with pytest.raises(ValueError, match=r"2 input\(s\)"):
        viz.connectivity_matrix(tg.models.Model([x, x2], tg.layers.Add()([x, x2])), 6)
    with pytest.raises(ValueError, match="batch axis"):
        viz.connectivity_matrix(tg.models.Model(x, tg.layers.Concatenate(axis=0)([x, x])), 6)
    free = tg.layers.Input((None, 1))                                # a residual encoder-decoder of any length
    skip = tg.models.Model(free, tg.layers.Add()([free, Conv1DTranspose(1, 3, strides=2, padding="same")(
        Conv1D(1, 3, strides=2, padding="same")(free))]))
    with pytest.raises(ValueError, match=r"\[5, 6\] steps.*another input_length"):
        viz.connectivity_matrix(skip, 5)                             # 5 -> 3 -> 6, added to 5
    with pytest.raises(ValueError, match=r"\[4, 3\] steps.*another input_length"):
        viz.connectivity_matrix(unet(8).model(), 6)                  # 6 -> 3 -> 2 -> 4, merged with 3
    with pytest.raises(ValueError, match="not a chain"):
        viz.layer_matrices(unet(8).model(), 8)
    with pytest.raises(ValueError, match="input_length"):
        viz.model_connectivity_matrix(unet(8).model(), 6, weights="model")


def test_the_jacobian_of_a_model_whose_input_fixes_its_length_refuses_another_length():
    """weights="model" runs the model, which (as Keras') takes its Input's length only: a functional model and a
    Sequential started with an Input of 10 steps refuse 4, a NumPy integer too (it slipped past as "not an int",
    found by a re-tester); at 10 steps the 3-tap valid convolution's band of an all-ones kernel."""
    x = tg.layers.Input((10, 1))
    functional = tg.models.Model(x, Conv1D(1, 3, use_bias=False, kernel_initializer="ones")(x))
    sequential = Sequential([tg.layers.Input((10, 1)), Conv1D(1, 3, use_bias=False, kernel_initializer="ones")])
    band = np.array([[1.0 if n <= j < n + 3 else 0.0 for j in range(10)] for n in range(8)])
    for model in (functional, sequential):
        for length in (4, np.int64(4)):
            with pytest.raises(ValueError, match=r"`input_length`: model '\w+' takes inputs of shape \(None, 10, "
                                                 r"1\), of 10 steps\. Received input_length=4"):
                viz.model_connectivity_matrix(model, length, weights="model")
        np.testing.assert_allclose(viz.model_connectivity_matrix(model, 10, weights="model"), band)


def test_the_path_counts_of_a_model_are_its_layers_at_any_length():
    """The path counts depend on the layers' settings only: a U-Net-like model declared for 8 steps is drawn on 16
    (examples/unet_1d.py draws its 64-step model on 16, to keep the cells readable), and gives the counts of the
    same layers behind an Input of open length, whose graph the test builds by hand (route_sum)."""
    declared, open_length = unet(8), unet(16)
    np.testing.assert_array_equal(viz.connectivity_matrix(declared.model(), 16),
                                  route_sum(open_length.graph, len(open_length.graph) - 1))
    fig = viz.plot_model_connectivity(declared.model(), 16)
    assert fig.axes
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_crossing_brackets_pass_over_each_other():
    """Tutorial 07's skip model: a bracket from the input to its repeated row and one from the transposed branch to
    the Add overlap without nesting, so they must cross; the two red lines met in a plain cross (found by a
    tester). Each is drawn over a white halo wider than itself, so the later one cuts a gap where it passes."""
    import matplotlib.colors as mcolors
    import matplotlib.pyplot as plt
    from matplotlib import patheffects

    inputs = tg.layers.Input((None, 1))
    merged = tg.layers.Add()([Conv1DTranspose(1, 3, strides=2, padding="same")(inputs), UpSampling1D(2)(inputs)])
    fig = viz.plot_connectivity(tg.models.Model(inputs, merged), 6)
    brackets = [line for line in fig.axes[0].lines if (line.get_gid() or "").startswith("bracket:")]
    spans = sorted(tuple(int(r) for r in line.get_gid().split(":")[1:]) for line in brackets)
    assert spans == [(0, 2), (1, 4)]                               # overlapping, not nested: they cross
    for line in brackets:
        (halo,) = [e for e in line.get_path_effects() if isinstance(e, patheffects.withStroke)]
        assert mcolors.to_hex(halo._gc["foreground"]) == "#ffffff" and halo._gc["linewidth"] > line.get_linewidth()
    plt.close(fig)


def test_the_jacobian_of_a_channels_first_sequential_is_fed_in_its_own_layout():
    """weights="model" fed a channels_first Sequential (1, steps, channels), which its Conv1D refused at its own
    length (found by a re-tester). With an all-ones kernel and no bias the Jacobian summed over channels is the
    path-count matrix, whose band is written out by hand."""
    model = Sequential([tg.layers.Input((2, 10)), Conv1D(1, 3, data_format="channels_first", use_bias=False,
                                                          kernel_initializer="ones")])
    band = np.array([[1.0 if n <= j < n + 3 else 0.0 for j in range(10)] for n in range(8)])
    np.testing.assert_allclose(viz.model_connectivity_matrix(model, 10, weights="model"), 2 * band)  # 2 channels
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, 10), band)


def test_weights_model_works_on_the_models_own_backend():
    """A model moved to array_api_strict gives the Jacobian it gives on NumPy (before the fix: "tensors on different
    backends", the probe being made on NumPy): for Conv1DTranspose(1, 3, strides=2) on one channel the Jacobian is
    the kernel placed at every second row, dy[n]/dx[i] = k[n - 2 i], written here from the formula."""
    pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")
    model = Sequential([tg.layers.Input((None, 1)), Conv1DTranspose(1, 3, strides=2)])
    kernel = model.layers[0].kernel.numpy()[:, 0, 0].astype(np.float64)
    expected = np.zeros((9, 4))
    for i in range(4):
        expected[2 * i:2 * i + 3, i] = kernel
    on_numpy = viz.model_connectivity_matrix(model, 4, weights="model")
    model.to("array_api_strict")
    on_strict = viz.model_connectivity_matrix(model, 4, weights="model")
    np.testing.assert_allclose(on_strict, expected, rtol=1e-6)
    np.testing.assert_array_equal(on_strict, on_numpy)
    assert all(w.backend.name == "array_api_strict" and w.grad is None for w in model.weights)
