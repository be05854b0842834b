"""Size arguments that grow the data past what can be allocated are a ValueError naming the argument, its value and
the limit (one array's 2**63 bytes, or this machine's memory), raised before anything is allocated
(validation.size_fits, the guard of the layers' weights); a huge stride of the average pooling works as the max
pooling's (one window), with torch's values."""
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.validation import physical_memory

L = tg.layers
X = np.ones((2, 5, 4), "float32")
BIG = 10**30
MACHINE = 2 * (physical_memory() or 2**40)     # more than this machine's memory, less than 2**63 bytes: 10**12-ish
LIMIT = r"(more than one array can hold|more than this machine's memory)"

CASES = [
    ("pool_size", BIG, lambda v: L.MaxPooling1D(v, padding="same")(X)),
    ("pool_size", BIG, lambda v: L.AveragePooling1D(v, padding="same")(X)),
    ("pool_size", MACHINE, lambda v: L.MaxPooling1D(v, padding="same")(X)),
    ("pool_size", MACHINE, lambda v: tg.ops.avg_pool1d(tg.tensor(X), v, padding="same")),
    ("padding", BIG, lambda v: L.ZeroPadding1D(v)(X)),
    ("padding", MACHINE, lambda v: L.ZeroPadding1D((0, v))(X)),
    ("size", BIG, lambda v: L.UpSampling1D(v)(X)),
    ("size", MACHINE, lambda v: L.UpSampling1D(v)(X)),
    ("n", BIG, lambda v: L.RepeatVector(v)(X[:, 0])),
    ("n", MACHINE, lambda v: L.RepeatVector(v)(X[:, 0])),
    ("output_size", BIG, lambda v: L.AdaptiveMaxPooling1D(v)(X)),
    ("output_size", MACHINE, lambda v: L.AdaptiveAveragePooling1D(v, data_format="channels_first")(X)),
    ("pad_width", BIG, lambda v: tg.ops.pad(tg.tensor(X[0]), v)),
    ("pad_width", MACHINE, lambda v: tg.ops.pad(tg.tensor(X[0]), [(0, 0), (0, v)])),
    ("pad_width", MACHINE, lambda v: tg.ops.pad(tg.tensor(X[0]), [(0, 0), (0, v)], mode="reflect")),
    ("num_thresholds", BIG, lambda v: tg.metrics.AUC(num_thresholds=v)),
    ("num_thresholds", MACHINE, lambda v: tg.metrics.AUC(num_thresholds=v)),
    ("num_thresholds", BIG, lambda v: tg.metrics.PrecisionAtRecall(0.5, num_thresholds=v)),
    ("num_classes", BIG, lambda v: tg.metrics.MeanIoU(num_classes=v)),
    ("num_classes", 10**6, lambda v: tg.metrics.MeanIoU(num_classes=v)),         # 8 TB of counts
    ("num_classes", BIG, lambda v: tg.metrics.IoU(num_classes=v, target_class_ids=[0])),
    ("num_classes", 10**6, lambda v: tg.metrics.OneHotMeanIoU(num_classes=v)),
]


@pytest.mark.parametrize("argument, value, make", CASES)
def test_refused_naming_the_argument_and_the_limit(argument, value, make):
    with pytest.raises(ValueError) as info:
        make(value)
    message = str(info.value)
    assert re.search(LIMIT, message), message
    assert f"Received {argument}=" in message and str(value) in message.split("Received")[-1], message


@pytest.mark.parametrize("layer", [L.MaxPooling1D, L.AveragePooling1D])
def test_pools_on_the_backends_still_work(on_backend, layer):
    assert layer(3, strides=1, padding="same")(X).shape == (2, 5, 4)
    assert layer(3, padding="same")(X).shape == (2, 2, 4)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_avg_pool_with_a_huge_stride_is_one_window_as_torch(backend, padding):
    torch = pytest.importorskip("torch", reason="PyTorch's avg_pool1d is the reference for one window")
    x = np.arange(40, dtype="float64").reshape(2, 5, 4) ** 1.3
    t = tg.tensor(x, backend=backend, requires_grad=True)
    y = tg.ops.avg_pool1d(t, 2, strides=BIG, padding=padding)
    y.sum().backward()
    r = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.avg_pool1d(r.permute(0, 2, 1), 2, stride=10**6).permute(0, 2, 1)
    want.sum().backward()
    np.testing.assert_allclose(y.numpy(), want.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), r.grad.numpy(), rtol=1e-12)
    assert L.AveragePooling1D(2, strides=BIG)(X).shape == (2, 1, 4)


def test_evenly_spaced_thresholds_are_keras_list():
    keras = pytest.importorskip("keras", reason="Keras' AUC thresholds are the reference")
    for n in (2, 3, 7, 200, 1001):
        want = [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]      # Keras' own comprehension
        assert tg.metrics.PrecisionAtRecall(0.5, num_thresholds=n).thresholds == want
        auc = tg.metrics.AUC(num_thresholds=n).thresholds
        np.testing.assert_allclose(auc, np.asarray(keras.metrics.AUC(num_thresholds=n).thresholds), rtol=1e-7)
