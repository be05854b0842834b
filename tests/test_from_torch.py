"""Conv1D.from_torch / Conv1DTranspose.from_torch against torch's own outputs on random inputs."""
import itertools

import numpy as np
import pytest

from tinygradconv.layers import Conv1D, Conv1DTranspose

torch = pytest.importorskip("torch", reason="PyTorch is the reference for from_torch")


def _torch_out(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def _inputs(channels, lengths=(5, 8, 11), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2, channels, n)) for n in lengths]


def _keras_expresses(module, make_layer, candidates, xs):
    """Whether some Keras choice (brute force over ``candidates``) computes what ``module`` computes on ``xs``."""
    weight = module.weight.detach().numpy().transpose(2, 1, 0)
    bias = module.bias.detach().numpy()
    for candidate in candidates:
        try:
            layer = make_layer(candidate)
            ok = True
            for x in xs:
                expected = _torch_out(module, x)
                out = layer(x)
                if out.shape != expected.shape:
                    ok = False
                    break
                layer.set_weights([weight, bias])
                if not np.allclose(layer(x).numpy(), expected, atol=1e-9):
                    ok = False
                    break
            if ok:
                return True
        except ValueError:
            continue
    return False


TRANSPOSE_CASES = [c for c in itertools.product((1, 3, 4), (1, 2, 3), (0, 1, 2), (0, 1, 2), (1, 2))
                   if c[3] < max(c[1], c[4])]


@pytest.mark.parametrize(("k", "s", "p", "op", "d"), TRANSPOSE_CASES)
def test_conv1d_transpose_from_torch_matches_or_explains(k, s, p, op, d):
    torch.manual_seed(0)
    module = torch.nn.ConvTranspose1d(3, 2, k, stride=s, padding=p, output_padding=op, dilation=d).double()
    xs = _inputs(3)
    xs = [x for x in xs if (x.shape[2] - 1) * s - 2 * p + d * (k - 1) + op + 1 > 0]
    candidates = [(pad, out) for pad in ("valid", "same") for out in (None, *range(s))]

    def make(candidate):
        return Conv1DTranspose(2, k, strides=s, padding=candidate[0], output_padding=candidate[1], dilation_rate=d,
                               data_format="channels_first", dtype="float64")

    expressible = _keras_expresses(module, make, candidates, xs)
    if expressible:
        layer = Conv1DTranspose.from_torch(module)
        assert layer.data_format == "channels_first" and layer.dtype == "float64"
        for x in xs:
            np.testing.assert_allclose(layer(x).numpy(), _torch_out(module, x), rtol=1e-12, atol=1e-12)
    else:
        with pytest.raises(ValueError, match="(crops|dilation)"):
            Conv1DTranspose.from_torch(module)


CONV_CASES = list(itertools.product((1, 2, 3, 4), (1, 2), (0, 1, 2, "same", "valid"), (1, 2), (1, 2)))


@pytest.mark.parametrize(("k", "s", "p", "d", "groups"), CONV_CASES)
def test_conv1d_from_torch_matches_or_explains(k, s, p, d, groups):
    if p == "same" and s > 1:
        pytest.skip("torch refuses padding='same' with stride > 1 (nothing to convert)")
    torch.manual_seed(0)
    module = torch.nn.Conv1d(4, 6, k, stride=s, padding=p, dilation=d, groups=groups).double()
    pad = p if isinstance(p, int) else 0
    xs = [x for x in _inputs(4, lengths=(9, 12, 16)) if x.shape[2] + 2 * pad >= d * (k - 1) + 1]

    def make(candidate):
        return Conv1D(6, k, strides=s, padding=candidate, dilation_rate=d, groups=groups,
                      data_format="channels_first", dtype="float64")

    expressible = _keras_expresses(module, make, ("valid", "same", "causal"), xs)
    if expressible:
        layer = Conv1D.from_torch(module)
        assert layer.groups == groups
        for x in xs:
            np.testing.assert_allclose(layer(x).numpy(), _torch_out(module, x), rtol=1e-12, atol=1e-12)
    else:
        with pytest.raises(ValueError, match="padding|strides"):
            Conv1D.from_torch(module)


def test_channels_last_and_no_bias_and_float32():
    module = torch.nn.Conv1d(3, 5, 3, padding=1, bias=False)
    layer = Conv1D.from_torch(module, data_format="channels_last", name="from_torch_conv")
    x = np.random.default_rng(1).normal(size=(2, 3, 7)).astype("float32")
    out = layer(x.transpose(0, 2, 1)).numpy().transpose(0, 2, 1)
    np.testing.assert_allclose(out, _torch_out(module, x), rtol=1e-5, atol=1e-6)
    assert layer.bias is None and layer.dtype == "float32" and layer.name == "from_torch_conv"


def test_docstring_examples():
    layer = Conv1D.from_torch(torch.nn.Conv1d(4, 6, 3, padding=1, groups=2))
    assert (layer.padding, layer.groups, layer.kernel.shape) == ("same", 2, (3, 2, 6))
    layer = Conv1DTranspose.from_torch(torch.nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1))
    assert (layer.padding, layer.output_padding, layer.kernel.shape) == ("same", None, (4, 2, 4))


@pytest.mark.parametrize(("module", "message"), [
    (lambda: torch.nn.Conv1d(2, 2, 3, padding=1, padding_mode="reflect"), "padding_mode='reflect'"),
    (lambda: torch.nn.ConvTranspose1d(2, 4, 3, groups=2), "groups=2"),
    (lambda: torch.nn.ConvTranspose1d(2, 2, 3, stride=2, dilation=2), "dilation"),
    (lambda: torch.nn.Conv1d(2, 2, 3, padding=3), "ZeroPadding1D"),
    (lambda: torch.nn.ConvTranspose1d(2, 2, 3, padding=2), "Cropping1D"),
    # found by a tester: the message printed (5, 3, 2) as if they were Conv1d's first arguments (in, out, kernel)
    (lambda: torch.nn.Conv1d(8, 6, 5, stride=3, dilation=2),
     r"^torch\.nn\.Conv1d\(kernel_size=5, stride=3, dilation=2\)"),
])
def test_refusals_say_why(module, message):
    with pytest.raises(ValueError, match=message):
        (Conv1DTranspose if "Transpose" in type(module()).__name__ else Conv1D).from_torch(module())


def test_wrong_module_type():
    with pytest.raises(TypeError, match="torch.nn.Conv1d"):
        Conv1D.from_torch(torch.nn.Linear(2, 2))


def test_subclasses_and_parametrized_modules_are_accepted():
    class Named(torch.nn.Conv1d):
        pass

    torch.manual_seed(0)
    modules = [Named(3, 4, 3, padding=1).double(),
               torch.nn.utils.parametrizations.weight_norm(torch.nn.Conv1d(3, 4, 3, padding=1)).double()]
    x = np.random.default_rng(2).normal(size=(2, 3, 9))
    for module in modules:
        np.testing.assert_allclose(Conv1D.from_torch(module)(x).numpy(), _torch_out(module, x), rtol=1e-12,
                                   atol=1e-12)

    class NamedTranspose(torch.nn.ConvTranspose1d):
        pass

    module = NamedTranspose(3, 2, 4, stride=2, padding=1).double()
    np.testing.assert_allclose(Conv1DTranspose.from_torch(module)(x).numpy(), _torch_out(module, x), rtol=1e-12,
                               atol=1e-12)
    with pytest.raises(TypeError, match="torch.nn.Conv1d"):
        Conv1D.from_torch(torch.nn.ConvTranspose1d(2, 2, 3))


def test_bfloat16_modules_become_float32_layers_exactly():
    module = torch.nn.Conv1d(3, 4, 3, padding=1).to(torch.bfloat16)
    layer = Conv1D.from_torch(module)
    assert layer.dtype == "float32"
    np.testing.assert_array_equal(layer.kernel.numpy(), module.weight.detach().float().numpy().transpose(2, 1, 0))
    np.testing.assert_array_equal(layer.bias.numpy(), module.bias.detach().float().numpy())
    integer = torch.nn.Conv1d(3, 4, 3)
    integer.weight = torch.nn.Parameter(torch.zeros(4, 3, 3, dtype=torch.int8), requires_grad=False)
    with pytest.raises(ValueError, match="dtype 'int8'"):
        Conv1D.from_torch(integer)
