"""In-place methods, review of session 48 (items a reviewer found): each against PyTorch 2.13 run on the same inputs
(or a hand-computed case)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the in-place methods")

_OVERLAP = "some elements of the input tensor and the written-to tensor refer to a single memory location"


@pytest.mark.parametrize("write", [lambda y, yt: y.copy_(yt), lambda y, yt: y.clamp_(min=yt),
                                   lambda y, yt: y.clamp_(max=yt)], ids=["copy_", "clamp_min", "clamp_max"])
def test_copy_and_clamp_refuse_a_partly_overlapping_argument_as_torch(write):
    """``y.copy_(y.T)`` gave [[2, 6], [4, 8]] (NumPy copies first); PyTorch refuses it."""
    theirs = torch.tensor([[2.0, 4.0], [6.0, 8.0]])
    with pytest.raises(RuntimeError, match=_OVERLAP):
        write(theirs, theirs.T)
    ours = tg.tensor([[2.0, 4.0], [6.0, 8.0]])
    with pytest.raises(RuntimeError, match=_OVERLAP):
        write(ours, ours.T)
    assert ours.tolist() == [[2.0, 4.0], [6.0, 8.0]]          # nothing written


@pytest.mark.parametrize("name, args", [("zero_", ()), ("abs_", ()), ("fill_", (3.0,)), ("copy_", ([5.0, 6.0],)),
                                        ("clamp_", (-1.0, 1.5))])
def test_each_in_place_method_follows_torch_in_and_outside_the_graph(name, args):
    """Values, grad_fn presence and gradients of ``y = x * 2; y.<name>(...)`` as PyTorch's; a leaf that requires
    grad refused as PyTorch refuses it; outside the graph a plain write."""
    values = [-1.0, 0.5]
    x, tx = tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    targs = tuple(torch.tensor(a) if isinstance(a, list) else a for a in args)
    oargs = tuple(tg.tensor(a) if isinstance(a, list) else a for a in args)
    y, ty = x * 2, tx * 2
    getattr(y, name)(*oargs)
    getattr(ty, name)(*targs)
    assert y.tolist() == ty.tolist() and (y.grad_fn is None) == (ty.grad_fn is None)
    (y * tg.tensor([1.0, 3.0])).sum().backward()
    (ty * torch.tensor([1.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        getattr(torch.tensor(values, requires_grad=True), name)(*targs)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(tg.tensor(values, requires_grad=True), name)(*oargs)
    plain, tplain = tg.tensor(values), torch.tensor(values)
    view, tview = plain[:], tplain[:]
    getattr(plain, name)(*oargs)
    getattr(tplain, name)(*targs)
    assert view.tolist() == tview.tolist() == tplain.tolist()


def test_fill_of_a_bool_tensor_takes_one_as_torch():
    assert tg.tensor([True, False], dtype="bool").fill_(1).tolist() == torch.tensor([True, False]).fill_(1).tolist()


@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addcmul_and_addcdiv_compute_in_the_result_dtype(op):
    """float32 t, float16 tensor1/tensor2: ours gave [1.0999755859375, 2.39990234375] for addcmul (the product
    rounded to float16 first); PyTorch computes in float32."""
    y, a = tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0], dtype="float16")
    ty, ta = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float16)
    theirs = getattr(ty, op)(ta, ta * 3, value=0.1)
    ours = getattr(y, op)(a, a * 3, value=0.1)
    assert str(ours.dtype) == "float32" and theirs.dtype == torch.float32
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    getattr(y, op + "_")(a, a * 3, value=0.1)
    getattr(ty, op + "_")(ta, ta * 3, value=0.1)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_the_value_before_detach_is_not_drawn_as_overwritten():
    """``y = x * 2; z = y + 1; y.detach_()``: y's values stay [2, 4] (as PyTorch's y), so the picture of z shows
    them, not "(overwritten in place)"; after ``y.mul_(3)`` (a write) it is written over."""
    pytest.importorskip("matplotlib")
    from tinygradconv.viz.graph import graph_nodes

    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx * 2
    tz = ty + 1
    ty.detach_()
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y + 1
    y.detach_()
    assert y.tolist() == ty.tolist() == [2.0, 4.0]
    labels = [n.label for n in graph_nodes(z) if n.kind == "tensor"]
    assert not any("(overwritten in place)" in label for label in labels)
    assert any("[2, 4]" in label for label in labels)
    with tg.no_grad():
        y.mul_(3)
    with torch.no_grad():
        ty.mul_(3)
    labels = [n.label for n in graph_nodes(z) if n.kind == "tensor"]
    assert sum("(overwritten in place)" in label for label in labels) == 1
    tz.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


_VIEWS = {"T": lambda x: x.T, "x[0]": lambda x: x[0], "x[:, 0]": lambda x: x[:, 0], "reshape": lambda x: x.reshape(4),
          "view": lambda x: x.view(4), "transpose": lambda x: x.transpose(0, 1), "permute": lambda x: x.permute(1, 0),
          "squeeze": lambda x: x[None].squeeze(0), "unsqueeze": lambda x: x.unsqueeze(0)}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("view", list(_VIEWS), ids=list(_VIEWS))
def test_detach_in_place_refuses_every_view_as_torch(view, requires_grad):
    """``x.T.detach_()`` of a tensor that does not require grad returned; PyTorch refuses every view."""
    make = _VIEWS[view]
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        make(torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=requires_grad)).detach_()
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        make(tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=requires_grad)).detach_()


@pytest.mark.parametrize("make", [lambda x: x * 2, lambda x: x.sum(0), lambda x: x.clone(), lambda x: x],
                         ids=["mul", "sum", "clone", "itself"])
def test_detach_in_place_of_a_tensor_that_is_no_view_works_as_torch(make):
    theirs = make(torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))
    ours = make(tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))
    assert theirs.detach_() is theirs and ours.detach_() is ours
    assert ours.tolist() == theirs.tolist() and ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_writes_in_place_as_torch(symbol):
    """``a = tg.tensor([1., 2.]); al = a; a += 1`` left al [1, 2] (a new tensor was bound to a); PyTorch writes
    into a, so al is [2, 3]. On an op's output that requires grad the write is recorded, with torch's gradient."""
    def apply(t, other):
        method = {"+=": "__iadd__", "-=": "__isub__", "*=": "__imul__", "/=": "__itruediv__"}[symbol]
        return getattr(t, method)(other)       # what `t += other` calls (then rebinds t to the result)

    a, ta = tg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    alias, talias = a, ta
    assert apply(a, 2.0) is alias and apply(ta, 2.0) is talias
    assert alias.tolist() == talias.tolist()
    x, tx = tg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    y, ty = x * 2, tx * 2
    ya, tya = y, ty
    apply(y, x)
    apply(ty, tx)
    assert ya.tolist() == tya.tolist() and ya.grad_fn is not None
    ya.sum().backward()
    tya.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        apply(torch.tensor([1.0], requires_grad=True), 1.0)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        apply(tg.tensor([1.0], requires_grad=True), 1.0)


def test_augmented_assignment_through_a_view_writes_the_base_as_torch():
    x, tx = tg.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    y, ty = x[0], tx[0]
    y += 10
    ty += 10
    assert x.tolist() == tx.tolist() == [[11.0, 12.0], [3.0, 4.0]]


def test_augmented_assignment_of_a_float_into_an_integer_tensor_is_refused_as_torch():
    with pytest.raises(RuntimeError, match="can't be cast"):
        t = torch.tensor([1, 2])
        t += 0.5
    with pytest.raises(TypeError, match="the result is float32, which this int64 tensor cannot hold"):
        a = tg.tensor([1, 2], dtype="int64")
        a += 0.5


def test_a_set_of_layers_is_tracked_as_keras_tracks_it():
    """``self.s = {Dense(2)}``: Keras 3 tracks the layers of a set attribute (their weights are the layer's);
    ours listed none."""
    keras = pytest.importorskip("keras")
    from tinygradconv import layers

    def make(module):
        class Holder(module.Layer):
            def __init__(self):
                super().__init__()
                self.s = {module.Dense(2)}

            def build(self, input_shape):
                for layer in self.s:
                    layer.build(input_shape)

            def call(self, x):
                return x

        holder = Holder()
        holder.build((1, 3))
        return [tuple(w.shape) for w in holder.weights]

    assert make(layers) == make(keras.layers) == [(3, 2), (2,)]
