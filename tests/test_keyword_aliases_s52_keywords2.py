"""Follow-ups to PyTorch's keyword aliases (``axis=``/``keepdims=``), from an engine reviewer's findings (s52)
(pickling of the renamed methods: ``test_pickle_methods_s52_keywords2.py``):

* the aliases added lenient paths PyTorch refuses: ``keepdims=None``, ``keepdims=1``, ``median(keepdims=True)``
  with no dim (silently the median of every element), ``median(axis=None)``, ``logsumexp(axis=None)``;
* ``help(t.amax)`` showed ``dim=<not given>, keepdim=<not given>`` instead of PyTorch's ``dim=None, keepdim=False``;
* both spellings at once was "Invalid type for argument `dim`", though no type was wrong.

Each accepted or refused call is checked against PyTorch 2.13's own call with the same arguments."""
import inspect
import pydoc

import numpy as np
import pytest

import tinygradconv as tg

DATA = np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]])


# ------------------------------------------------------------------------------------------------ refusals
# (method, keywords): each is a TypeError in PyTorch 2.13, checked below; x = DATA
REFUSED = [(name, words) for name in ("amax", "amin", "logsumexp", "any", "all", "nansum", "nanmean", "median",
                                      "aminmax", "argmax", "argmin", "var", "std")
           for words in ({"dim": 1, "keepdims": None}, {"dim": 1, "keepdim": None}, {"dim": 1, "keepdims": 1},
                         {"dim": 1, "keepdim": 0}, {"axis": 1, "keepdims": "True"})] + [
    ("median", {"keepdims": True}), ("median", {"keepdim": True}), ("median", {"keepdims": False}),
    ("median", {"axis": None}), ("median", {"dim": None}), ("median", {"axis": None, "keepdims": True}),
    ("logsumexp", {"axis": None}), ("logsumexp", {"dim": None}), ("logsumexp", {"axis": None, "keepdims": True}),
]


def _call(x, name, words):
    return getattr(x, name)(**words)


@pytest.mark.parametrize("name, words", REFUSED, ids=str)
def test_torch_refuses_these_calls(name, words):
    torch = pytest.importorskip("torch", reason="the reference for which calls PyTorch refuses")
    with pytest.raises(TypeError):
        _call(torch.tensor(DATA), name, words)


@pytest.mark.parametrize("name, words", REFUSED, ids=str)
def test_these_calls_are_a_type_error_naming_the_method_and_the_argument(name, words, backend):
    with pytest.raises(TypeError) as info:
        _call(tg.tensor(DATA, dtype="float64", backend=backend), name, words)
    message = str(info.value)
    assert name in message, message
    named = [word for word in words if f"`{word}`" in message or f"{word}=" in message]
    assert named, message                                  # the argument the caller wrote
    assert "Received" in message, message


def test_the_messages_of_the_reported_calls():
    x = tg.tensor(DATA)
    with pytest.raises(TypeError, match=r"^amax: Invalid type for argument `keepdims`\. Expected True or False\. "
                                        r"Received keepdims=None$"):
        x.amax(1, keepdims=None)
    with pytest.raises(TypeError, match=r"^median\(\) missing its argument `dim` \(or its alias `axis`\): PyTorch's "
                                        r"median\(\) of every element takes no keepdims\. Received keepdims=True"):
        x.median(keepdims=True)
    with pytest.raises(TypeError, match=r"^median\(\): `dim` \(or its alias `axis`\) must be an int.*Received None"):
        x.median(axis=None)
    with pytest.raises(TypeError, match=r"^logsumexp\(\): `dim` \(or its alias `axis`\) must be an int or a tuple "
                                        r"of ints.*Received None"):
        x.logsumexp(axis=None)


# ------------------------------------------------------------------------------------------------ still accepted
ACCEPTED = [(name, words) for name in ("amax", "amin", "any", "all", "nansum", "nanmean", "aminmax", "argmax",
                                       "argmin", "var", "std")
            for words in ({}, {"dim": None}, {"axis": None}, {"keepdims": True}, {"keepdim": False},
                          {"axis": None, "keepdims": True}, {"dim": 1, "keepdims": False}, {"axis": 0, "keepdim": True},
                          {"dim": 0, "keepdim": np.True_})] + [
    ("median", {}), ("median", {"dim": 1, "keepdims": True}), ("median", {"axis": 0, "keepdim": False}),
    ("logsumexp", {"dim": 1, "keepdims": True}), ("logsumexp", {"axis": (0, 1), "keepdim": False}),
    ("count_nonzero", {}), ("count_nonzero", {"dim": None}), ("count_nonzero", {"axis": None}),
]


def _parts(value):
    parts = value if isinstance(value, tuple) else (value,)
    return [np.asarray(p.tolist()) for p in parts]


@pytest.mark.parametrize("name, words", ACCEPTED, ids=str)
def test_these_calls_give_torchs_values(name, words, backend):
    torch = pytest.importorskip("torch", reason="the reference for PyTorch's reductions")
    ours = _call(tg.tensor(DATA, dtype="float64", backend=backend), name, words)
    # PyTorch refuses a NumPy bool for keepdim (tinygradconv's flags take one: validation.flag); give it Python's
    theirs = _call(torch.tensor(DATA, dtype=torch.float64), name,
                   {k: bool(v) if isinstance(v, np.bool_) else v for k, v in words.items()})
    for got, expected in zip(_parts(ours), _parts(theirs), strict=True):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-14)


# ------------------------------------------------------------------------------------------------ help()
@pytest.mark.parametrize("name", ["amax", "amin", "any", "all", "nansum", "nanmean", "median", "argmax", "argmin",
                                  "aminmax", "var", "std", "logsumexp"])
def test_help_shows_torchs_defaults(name):
    """PyTorch's documented signatures: ``amax(dim=None, keepdim=False)``, ``logsumexp(dim, keepdim=False)``;
    the aliases, which PyTorch's docs do not show, read ``<not given>``."""
    parameters = inspect.signature(getattr(tg.Tensor, name)).parameters
    assert repr(parameters["keepdim"].default) == "False"
    assert repr(parameters["dim"].default) == ("<not given>" if name == "logsumexp" else "None")
    assert repr(parameters["axis"].default) == repr(parameters["keepdims"].default) == "<not given>"
    text = pydoc.render_doc(getattr(tg.Tensor, name), renderer=pydoc.plaintext)
    assert "keepdim=False" in text and "keepdim=<not given>" not in text


def test_help_of_size_and_count_nonzero_shows_dim_none():
    for method in (tg.Tensor.count_nonzero, type(tg.tensor(DATA).size).__call__):
        assert repr(inspect.signature(method).parameters["dim"].default) == "None"


# ------------------------------------------------------------------------------------------------ both spellings
@pytest.mark.parametrize("name, words", [("softmax", {"dim": 1, "axis": 1}), ("amax", {"dim": None, "axis": 1}),
                                         ("var", {"dim": 1, "axis": 0}), ("size", {"dim": 0, "axis": 0}),
                                         ("median", {"dim": 1, "axis": 1}), ("any", {"dim": None, "axis": None})])
def test_both_spellings_name_the_method_and_both_not_a_type(name, words, backend):
    torch = pytest.importorskip("torch", reason="the reference: PyTorch refuses both spellings")
    with pytest.raises(TypeError):
        _call(torch.tensor(DATA), name, words)
    with pytest.raises(TypeError) as info:
        _call(tg.tensor(DATA, backend=backend), name, words)
    assert str(info.value) == (f"{name}() takes `dim` or its alias `axis`, not both. Received dim={words['dim']!r}, "
                               f"axis={words['axis']!r}: give one of them")


@pytest.mark.parametrize("name", ["amax", "logsumexp", "median", "std", "argmax"])
def test_both_keepdim_spellings_even_at_the_default_are_refused_as_torch(name, backend):
    torch = pytest.importorskip("torch", reason="the reference: PyTorch refuses both spellings")
    with pytest.raises(TypeError):
        torch.tensor(DATA).__getattribute__(name)(1, keepdim=False, keepdims=False)
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes `keepdim` or its alias `keepdims`, not both\. Received "
                                        r"keepdim=False, keepdims=False: give one of them$"):
        getattr(tg.tensor(DATA, backend=backend), name)(1, keepdim=False, keepdims=False)
