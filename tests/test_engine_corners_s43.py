"""Engine corners a PyTorch user still hits, each checked against PyTorch (2.13): activations at subnormal inputs,
NumPy given losses (``np.mean([loss1, loss2])``), ``w.data = ...`` between a forward pass and its backward pass,
the command line with a bad setting, and ``y.backward(x.grad)``."""
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import same_bits

import tinygradconv as tg
from tinygradconv import activations, backend, config, scripts

torch = pytest.importorskip("torch")
F = torch.nn.functional

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------------- 1. subnormal inputs
# Each value 8 times: PyTorch's vectorised kernels take tensors of more than a few elements (its scalar kernel,
# used for the last few, differs at some special points; see soft_shrink's docstring).
SUBNORMALS = {"float32": [1e-40, -1e-40, 1e-45, -1e-45, 1e-39, -1e-39, 0.0, -0.0] * 8,
              "float64": [5e-324, -5e-324, 1e-310, -1e-310, 2e-308, -2e-308, 0.0, -0.0] * 8}

PAIRS = {
    "silu": (activations.silu, F.silu),
    "elu": (activations.elu, F.elu),
    "elu_alpha_2": (lambda x: activations.elu(x, alpha=2.0), lambda x: F.elu(x, alpha=2.0)),
    "selu": (activations.selu, F.selu),
    "celu": (activations.celu, F.celu),
    "gelu": (activations.gelu, F.gelu),
    "gelu_tanh": (lambda x: activations.gelu(x, approximate=True), lambda x: F.gelu(x, approximate="tanh")),
    "softplus": (activations.softplus, F.softplus),
    "mish": (activations.mish, F.mish),
    "leaky_relu": (activations.leaky_relu, lambda x: F.leaky_relu(x, 0.2)),
    "relu": (activations.relu, F.relu),
    "relu6": (activations.relu6, F.relu6),
    "sigmoid": (activations.sigmoid, torch.sigmoid),
    "tanh": (activations.tanh, torch.tanh),
    "softsign": (activations.softsign, F.softsign),
    "hard_silu": (activations.hard_silu, F.hardswish),
    "hard_tanh": (activations.hard_tanh, F.hardtanh),
    "log_sigmoid": (activations.log_sigmoid, F.logsigmoid),
    "tanh_shrink": (activations.tanh_shrink, F.tanhshrink),
    "soft_shrink": (activations.soft_shrink, F.softshrink),
    "hard_shrink": (activations.hard_shrink, F.hardshrink),
}


@pytest.mark.parametrize("dtype", sorted(SUBNORMALS))
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_activations_at_subnormal_inputs_and_signed_zeros_match_torch_bit_for_bit(name, dtype):
    """Value, gradient and the sign of each (``silu(-1e-40)``, ``elu(-0.0)``) as ``torch.nn.functional``."""
    ours_fn, torch_fn = PAIRS[name]
    values = np.array(SUBNORMALS[dtype], dtype=dtype)
    x = tg.tensor(values, requires_grad=True)
    y = ours_fn(x)
    y.sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    ty = torch_fn(tx)
    ty.sum().backward()
    theirs = ty.detach().numpy()
    if name == "gelu" and dtype == "float32" and torch.backends.cpu.get_cpu_capability() != "AVX512":
        # torch's float32 GELU kernel for AVX2 CPUs gives +0.0 for -0.0 and the negative inputs whose result
        # underflows to zero, its AVX-512 one (and float64) -0.0, as x * Phi(x): ours, on every CPU. The other
        # values are bit for bit on both.
        negative_zero = (values <= 0) & np.signbit(values) & (theirs == 0)
        assert (y.numpy()[negative_zero] == 0).all()
        theirs = np.where(negative_zero, y.numpy(), theirs)
    assert same_bits(y.numpy(), theirs), (y.numpy()[:8], theirs[:8])
    assert same_bits(x.grad.numpy(), tx.grad.numpy()), (x.grad.numpy()[:8], tx.grad.numpy()[:8])


def test_selu_rounds_alpha_times_scale_once_as_torch():
    """``scale * (alpha * expm1(x))`` rounded twice and missed torch's last bit at ``-1e-310`` (and at most
    negative float64 inputs); the product is one constant now, as in PyTorch's kernel."""
    x = np.array([-1e-310, -0.5, -3.0, -1e-300])
    ours = activations.selu(tg.tensor(x)).numpy()
    assert same_bits(ours, F.selu(torch.tensor(x)).numpy())
    assert ours[0] == -1.7580993408474e-310           # torch's value; the old one was -1.75809934084734e-310


# -------------------------------------------------------------------------------- 2. NumPy given losses
def _two_losses(library, requires_grad):
    make = torch.tensor if library == "torch" else tg.tensor
    w = make([1.0, 2.0], requires_grad=requires_grad)
    return w, (w * w).sum(), (w * 3.0).sum()        # two 0-d results: 5 and 9


def test_np_mean_of_two_losses_is_refused_as_torch_refuses_it_naming_what_to_write():
    """``np.mean([l1, l2])`` took the numbers out of the graph (a NumPy float; its ``backward`` an
    ``AttributeError``); PyTorch raises "Can't call numpy() on Tensor that requires grad"."""
    _, t1, t2 = _two_losses("torch", True)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.mean([t1, t2])
    _, l1, l2 = _two_losses("tg", True)
    for call in (lambda: np.mean([l1, l2]), lambda: np.array([l1, l2]), lambda: np.asarray(l1),
                 lambda: np.float32(l1)):
        with pytest.raises(TypeError, match=r"\(loss1 \+ loss2\) / 2, or tg\.ops\.stack\(\[loss1, loss2\]\)\.mean\(\)"):
            call()
    assert float(l1) == 5.0 and l1.item() == 5.0     # the number, as float(t) gives it in PyTorch


def test_np_mean_of_losses_without_grad_is_their_mean_as_in_torch():
    _, t1, t2 = _two_losses("torch", False)
    _, l1, l2 = _two_losses("tg", False)
    assert np.mean([l1, l2]) == np.mean([t1, t2]) == 7.0
    with tg.no_grad():                                # no graph recorded: nothing to lose
        _, l1, l2 = _two_losses("tg", True)
    assert np.mean([l1, l2]) == 7.0


def test_the_spellings_the_error_names_give_torchs_gradient():
    tw, t1, t2 = _two_losses("torch", True)
    torch.stack([t1, t2]).mean().backward()
    for combine in (lambda a, b: tg.ops.stack([a, b]).mean(), lambda a, b: (a + b) / 2):
        w, l1, l2 = _two_losses("tg", True)
        combine(l1, l2).backward()
        np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy().astype(np.float32))


def test_np_asarray_still_reads_weights_and_non_scalar_results():
    """Only one-number results with a graph are refused: a weight (a leaf) and a layer's output still convert,
    as documented (PyTorch refuses both)."""
    w, _, _ = _two_losses("tg", True)
    y = w * 2.0
    np.testing.assert_array_equal(np.asarray(w), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(y), [2.0, 4.0])
    scalar_weight = tg.tensor(3.0, requires_grad=True)
    assert float(np.asarray(scalar_weight)) == 3.0


# -------------------------------------------------------------------- 3. w.data = ... before backward()
def test_data_replaced_before_a_backward_that_reads_it_is_refused_where_torch_mixes_new_and_old():
    """PyTorch reads the new ``w`` where Mul saved ``w`` itself (``x.grad`` = new ``w``) and the old values where
    an op saved its result (``exp``); the gradient it gives is neither the forward's nor the new one's."""
    tw, tx = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0], requires_grad=True)
    ty = (tw * tx).sum()
    tw.data = torch.tensor([10.0, 20.0])
    ty.backward()
    assert tx.grad.tolist() == [10.0, 20.0]                     # the new w: not the forward's gradient

    for forward in (lambda w, x: (w * x).sum(), lambda w, x: (x * w).sum(), lambda w, x: (w * w).sum(),
                    lambda w, x: w.exp().sum(), lambda w, x: w @ x):
        w, x = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0], requires_grad=True)
        y = forward(w, x)
        w.data = np.array([10.0, 20.0], dtype=np.float32)
        with pytest.raises(RuntimeError, match=r"The \.data of an input of \w+ was replaced"):
            y.backward()


def test_data_replaced_where_no_saved_value_of_it_is_read_gives_torchs_gradient():
    def run(make, array):
        w, x = make([1.0, 2.0], requires_grad=True), make([3.0, 4.0], requires_grad=True)
        y = (w * 3.0 + x * x + w).sum()                 # w * 3 reads only the 3; w + ... reads nothing
        w.data = array([10.0, 20.0])
        y.backward()
        a = make([1.0, 2.0], requires_grad=True)
        b = a.detach().requires_grad_()                 # b keeps a's old array
        (b * b).sum().backward()
        a.data = array([5.0, 6.0])
        z = (a * a).sum()                               # a new forward after the assignment
        z.backward()
        v, u = make([1.0, 2.0], requires_grad=True), make([3.0, 4.0], requires_grad=True)
        y = (u.reshape(1, 2) @ v.reshape(2, 1)).sum()   # matmul saved a view of v's old array, in PyTorch too
        v.data = array([10.0, 20.0])
        y.backward()
        return [t.grad.tolist() for t in (w, x, b, a, v, u)]

    expected = run(torch.tensor, torch.tensor)
    assert run(tg.tensor, lambda v: np.array(v, dtype=np.float32)) == expected == [
        [4.0, 4.0], [6.0, 8.0], [2.0, 4.0], [10.0, 12.0], [3.0, 4.0], [1.0, 2.0]]


def test_the_record_of_replaced_data_stays_with_the_living_tensor():
    """One entry per tensor, however often a training loop assigns it (``w.data = w.data - lr * g``, as in
    PyTorch), gone with the tensor, and not carried by a pickled copy (whose process counts writes anew)."""
    from tinygradconv import in_place

    before = len(in_place.data_replaced)
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(100):
        (w * w).sum().backward()
        w.data = w.data - 0.1 * w.grad.data
    assert len(in_place.data_replaced) == before + 1
    assert id(pickle.loads(pickle.dumps(w))) not in in_place.data_replaced
    del w
    assert len(in_place.data_replaced) == before


def test_data_of_another_shape_says_so_where_nothing_was_saved():
    """PyTorch gives ``w`` a gradient of the old shape (2,) while ``w`` is (3,); here a RuntimeError names it."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (w + 1.0).sum()
    w.data = np.zeros(3, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"input's \.data was replaced by an array of another shape"):
        y.backward()


# -------------------------------------------------------------------------- 4. command line, backends
def _run(*args, env):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environment, cwd=ROOT,
                          timeout=120, check=False)


@pytest.mark.parametrize("module_argument", [["-m", "tinygradconv"], ["-mtinygradconv"]])
def test_command_line_with_a_bad_setting_prints_the_message_and_exits_2_as_argparse(module_argument, tmp_path):
    env = {"TINYGRADCONV_BACKEND": "nonsense", "TINYGRADCONV_HOME": str(tmp_path)}
    argparse_error = _run(*module_argument, "info", "--no-such-option", env={"TINYGRADCONV_HOME": str(tmp_path)})
    result = _run(*module_argument, "info", env=env)
    assert result.returncode == argparse_error.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr == ("tinygradconv: error: Invalid value for the setting `backend` from the environment "
                             "variable TINYGRADCONV_BACKEND: expected one of ('numpy', 'cupy', 'array_api_strict'). "
                             "Received backend='nonsense'\n")
    imported = _run("-c", "import tinygradconv", env=env)         # a library import still raises ValueError
    assert imported.returncode == 1 and "ValueError: Invalid value for the setting `backend`" in imported.stderr


@pytest.mark.parametrize("argv, orig_argv, expected", [
    (["-m"], ["python", "-m", "tinygradconv", "info"], True),
    (["-m"], ["python", "-X", "dev", "-mtinygradconv.__main__"], True),
    (["-m"], ["python", "-m", "tinygradconvx"], False),
    (["-m"], ["python", "-m", "pytest"], False),
    (["/venv/bin/tinygradconv", "info"], ["python", "/venv/bin/tinygradconv", "info"], True),
    (["-c"], ["python", "-c", "import tinygradconv"], False),
    (["train.py"], ["python", "train.py"], False),
])
def test_what_counts_as_the_command_line(monkeypatch, argv, orig_argv, expected):
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    assert scripts._run_as_command_line() is expected


def test_backend_names_have_one_source():
    """``config.BACKENDS`` lists the names; ``backend`` has one loader ``_load_<name>`` per name and no other."""
    loaders = sorted(name[len("_load_"):] for name in vars(backend) if name.startswith("_load_"))
    assert loaders == sorted(config.BACKENDS)
    assert backend.known_backends() == config.BACKENDS == ("numpy", "cupy", "array_api_strict")


# ---------------------------------------------------------------------------- 5. backward(a.grad)
@pytest.mark.parametrize("order", ["a + b * c", "b * c + a"])
def test_backward_with_a_leafs_grad_as_the_gradient_does_not_read_what_it_wrote(order):
    """The pass added into ``a.grad`` while that array was still the gradient flowing to ``b * c``: ``b.grad``
    was ``c`` for ``a + b * c`` and ``2 * c`` for ``b * c + a``. Now both are the gradient of the sum at the
    upstream gradient as it was at the call: PyTorch's, with a copy of ``a.grad`` passed (PyTorch, given
    ``a.grad`` itself, adds into it before ``b * c``'s backward and gives ``2 * c`` in both orders)."""
    def run(make, copy):
        a, b, c = (make(v, requires_grad=True) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]))
        (a * 1.0).sum().backward()                               # a.grad = [1, 1]
        out = a + b * c if order == "a + b * c" else b * c + a
        out.backward(copy(a.grad))
        return [t.grad.tolist() for t in (a, b, c)]

    expected = run(torch.tensor, lambda g: g.clone())
    assert run(tg.tensor, lambda g: g) == expected == [[2.0, 2.0], [5.0, 6.0], [3.0, 4.0]]


def test_backward_leaves_the_gradient_passed_unchanged_and_unshared():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    g = tg.tensor([1.0, 1.0])
    x.backward(g)
    x.backward(g)
    assert g.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
    assert math.isclose(float(x.grad.sum()), 4.0)
