"""PyTorch's keyword aliases ``axis=`` (for ``dim=``) and ``keepdims=`` (for ``keepdim=``) on the Tensor methods
that refused them (s52, a tester's finding: ``t.logsumexp(axis=1)`` was Python's TypeError naming the internal mixin
``TorchPort``). PyTorch 2.13's argument parser accepts these NumPy names on every native ``Tensor`` method whose
argument is ``dim``/``keepdim``; each method here is checked against PyTorch's own call with the same keywords, and
against our own call with ``dim=``/``keepdim=``."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name

DATA = np.array([[3.0, -1.0, 2.5, 0.0], [0.5, 4.0, -2.0, 1.0], [np.nan, 0.25, 7.0, -3.0]])

# method -> (the dim to reduce or run along, whether it takes keepdim too), as in torch 2.13's signatures
METHODS = {
    "all": (1, True),
    "any": (0, True),
    "amax": (1, True),
    "amin": ((0, 1), True),
    "aminmax": (1, True),
    "count_nonzero": (1, False),
    "cummax": (1, False),
    "cummin": (0, False),
    "log_softmax": (1, False),
    "logcumsumexp": (1, False),
    "logsumexp": (1, True),
    "median": (1, True),
    "nanmean": (0, True),
    "nansum": (1, True),
    "softmax": (0, False),
    "narrow": (1, False),
    "size": (1, False),
}
EXTRA = {"narrow": {"start": 1, "length": 2}}     # the other arguments a method needs


def _data(name):
    """NaN only where the method is about it (nansum, nanmean); zeros for any, all and count_nonzero."""
    return DATA if name.startswith("nan") else np.nan_to_num(DATA, nan=5.5)


def _results(value):
    """A result as a list of arrays (a tuple's parts: median's and cummax's values and indices, aminmax's pair;
    size's int as an array)."""
    parts = value if isinstance(value, tuple) else (value,)
    return [p if hasattr(p, "dtype") else np.asarray(p) for p in parts]


def _call(name, dim_word="dim", keep_word="keepdim"):
    """The keywords of one call: the dim under ``dim_word``, ``True`` under ``keep_word`` (where the method takes
    keepdim), and the other arguments it needs."""
    dim, keepdim = METHODS[name]
    return {dim_word: dim, **({keep_word: True} if keepdim else {}), **EXTRA.get(name, {})}


def _numpy(value):
    return value.numpy() if isinstance(value, tg.Tensor) else value


@pytest.mark.parametrize("name", sorted(METHODS))
@pytest.mark.parametrize("words", [("axis", "keepdims"), ("axis", "keepdim"), ("dim", "keepdims")])
def test_the_aliases_give_what_dim_and_keepdim_give(name, words, backend):
    x = tg.tensor(_data(name), dtype="float64", backend=backend)
    by_dim, by_alias = _results(getattr(x, name)(**_call(name))), _results(getattr(x, name)(**_call(name, *words)))
    assert len(by_dim) == len(by_alias)
    for a, b in zip(by_dim, by_alias):
        a, b = _numpy(a), _numpy(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(METHODS))
@pytest.mark.parametrize("words", [("axis", "keepdims"), ("axis", "keepdim"), ("dim", "keepdims")])
def test_the_aliases_give_what_torch_gives(name, words, backend):
    torch = pytest.importorskip("torch", reason="the reference for PyTorch's keyword aliases")
    data = _data(name)
    x, t = tg.tensor(data, dtype="float64", backend=backend), torch.tensor(data, dtype=torch.float64)
    call = _call(name, *words)
    ours, theirs = _results(getattr(x, name)(**call)), _results(getattr(t, name)(**call))
    assert len(ours) == len(theirs)
    for got, expected in zip(ours, theirs):
        if isinstance(got, tg.Tensor):
            assert dtype_name(got.dtype) == str(expected.dtype).replace("torch.", "")
            got, expected = got.numpy(), expected.numpy()
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, equal_nan=True)


def test_the_reported_calls():
    """The tester's calls: logsumexp(axis=1), logsumexp(1, keepdims=True), amax(axis=0, keepdims=True)."""
    t = tg.tensor(np.arange(6.0).reshape(2, 3) + 1, dtype="float64")
    expected = np.log(np.exp(t.numpy()).sum(axis=1))                  # the formula (no overflow for 1..6)
    np.testing.assert_allclose(t.logsumexp(axis=1).numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(t.logsumexp(1, keepdims=True).numpy(), expected[:, None], rtol=1e-15)
    assert t.amax(axis=0, keepdims=True).tolist() == [[4.0, 5.0, 6.0]]


@pytest.mark.parametrize("name", sorted(METHODS))
def test_both_spellings_are_a_type_error_naming_the_method_and_both(name, backend):
    x = tg.tensor(_data(name), dtype="float64", backend=backend)
    for both in ({**_call(name), "axis": METHODS[name][0]}, {**_call(name), "axis": None}, {**_call(name, "axis"),
                                                                                        "dim": None}):
        with pytest.raises(TypeError) as info:
            getattr(x, name)(**both)
        message = str(info.value)
        assert f"{name}()" in message and "`dim`" in message and "`axis`" in message, message
    if METHODS[name][1]:
        with pytest.raises(TypeError) as info:
            getattr(x, name)(**_call(name), keepdims=False)
        message = str(info.value)
        assert f"{name}()" in message and "`keepdim`" in message and "`keepdims`" in message, message


@pytest.mark.parametrize("name", sorted(METHODS))
def test_both_spellings_are_refused_by_torch_too(name):
    torch = pytest.importorskip("torch", reason="the reference for PyTorch's keyword aliases")
    t = torch.tensor(_data(name), dtype=torch.float64)
    with pytest.raises(TypeError):
        getattr(t, name)(**_call(name), axis=METHODS[name][0])
    if METHODS[name][1]:
        with pytest.raises(TypeError):
            getattr(t, name)(**_call(name), keepdims=False)


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax", "cummax", "cummin", "logcumsumexp",
                                  "narrow"])
def test_a_required_dim_left_out_is_a_type_error_naming_both_spellings(name):
    x = tg.tensor(_data(name), dtype="float64")
    with pytest.raises(TypeError, match=rf"{name}\(\) missing its required argument `dim` \(or its alias `axis`\)"):
        getattr(x, name)(**EXTRA.get(name, {}))


@pytest.mark.parametrize("name", sorted(METHODS) + ["sum", "argmax", "squeeze", "add_", "view", "flip", "fill_",
                                                    "clamp_", "norm", "var"])
def test_an_unknown_keyword_names_the_tensor_method(name):
    """Python's own error names a method by its ``__qualname__``: it named the mixins (``TorchPort.logsumexp``)."""
    x = tg.tensor(_data(name), dtype="float64")
    with pytest.raises(TypeError) as info:
        getattr(x, name)(foo=1)
    assert str(info.value) == f"Tensor.{name}() got an unexpected keyword argument 'foo'"
