"""PyTorch's spellings of ``Tensor`` methods: ``view``, ``flatten``, ``squeeze``, ``unsqueeze``, ``clone``,
``argmax``, ``argmin``, ``clamp``, ``masked_fill`` (and in place, ``masked_fill_``), ``expand``, ``repeat``,
``chunk``, ``split``, ``unbind``, ``norm`` and the matrix transposes ``mT`` and ``mH``; and
``max``/``min``, whose axis is a keyword here (see :meth:`TorchMethods.max`). A group of its own holds the spellings
of PyTorch's "Learn the basics" pages: ``add``/``sub``/``mul``/``div``/``matmul`` and the in-place ``add_``/``sub_``/
``mul_``/``div_``, ``var``/``std`` (:mod:`tinygradconv.ops.statistics`), ``square``, ``type()``, ``device`` and
``grad_fn``.

:class:`~tinygradconv.tensor.Tensor` inherits them from :class:`TorchMethods`, a mixin kept in this module so that
the engine core (``tensor.py``) stays short enough to read in one sitting. They follow PyTorch's semantics
(values, shapes, dtypes, gradients and errors: https://pytorch.org/docs/stable/tensors.html, checked against
PyTorch 2.13 by ``tests/test_torch_methods.py``); each docstring states where tinygradconv differs. Through
:class:`~tinygradconv.numpy_protocol.NumpyUfuncs` the mixin also answers NumPy's functions as PyTorch does: they
refuse a tensor that requires grad (``np.exp(t)``), where they would drop it from the graph.

* The shape methods (``view``, ``flatten``, ``squeeze``, ``unsqueeze``) compute the new shape and call
  :meth:`~tinygradconv.tensor.Tensor.reshape`, so their gradient is that of the registered ``reshape`` op: the
  output gradient reshaped back. Nothing new to differentiate, nothing new to test for gradients.
* ``clone`` is the registered op :class:`~tinygradconv.ops.shape.Clone`: a copy in new memory, whose backward
  passes the gradient through.
* ``argmax``/``argmin`` return int64 indices, which have no gradient (as in PyTorch).
* ``masked_fill``, ``expand``, ``repeat`` and ``norm`` call registered ops (:mod:`tinygradconv.ops.masking`,
  :mod:`tinygradconv.ops.tiling`, :mod:`tinygradconv.ops.norms`), gradient-checked with the others; ``chunk`` and
  ``split`` return slices (:mod:`tinygradconv.ops.splitting`), with the gradient of indexing.

Dimensions are read as PyTorch reads them (:func:`~tinygradconv.validation.dim_index`): negative ones count from
the end, and one out of range is an :class:`~tinygradconv.validation.AxisError`, an ``IndexError`` (PyTorch's
class, so that ported ``except IndexError`` code still works) and a ``ValueError``, naming the argument, the value
and the valid range. The reductions' PyTorch spellings (``dim=``, ``keepdim=``) are in
:mod:`tinygradconv.ops.reduction`.

>>> import tinygradconv as tg
>>> x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
>>> x.view(3, 2).shape, x.unsqueeze(0).shape, x.flatten().shape, x.unsqueeze(-1).squeeze().shape
((3, 2), (1, 2, 3), (6,), (2, 3))
>>> x.argmax(dim=1).tolist()
[1, 0]
>>> (x.clone() * 2).sum().backward()
>>> x.grad.tolist()
[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
"""
from __future__ import annotations

import inspect
import math
import numbers
import sys
import warnings

import numpy as np

from . import config, in_place
from .backend import backend_of, dtype_name
from .numpy_protocol import NumpyUfuncs
from .torch_in_place import write_in_place
from .torch_port import TorchPort
from .validation import (
    DEFAULT_FALSE,
    DEFAULT_NONE,
    NOT_GIVEN,
    dim_and_keepdim,
    dim_index,
    dim_or_axis,
    flag,
    given,
    keepdim_or_keepdims,
)


class Size(int):
    """The number of elements of a tensor (``t.size``), an ``int`` as NumPy's ``a.size``, that can also be called as
    PyTorch's method ``t.size(dim=None)``: ``t.size()`` is the shape (PyTorch's ``torch.Size``, a tuple) and
    ``t.size(d)`` the length of dimension ``d`` (negative ``d`` counting from the end; ``axis=d`` as PyTorch
    accepts it).

    NumPy's attribute and PyTorch's method share the name ``size``; this one value answers both, so that NumPy code
    (``np.zeros(t.size)``, ``t.size == 6``) and PyTorch code (``batch = x.size(0)``) both work. It is an ``int`` in
    every other way: arithmetic gives plain ints, and it is saved (pickled) as a plain int.

    Raises:
        TypeError: when called with a ``dim`` that is not an int (as PyTorch), or with both ``dim`` and ``axis``.
        IndexError: a ``dim`` out of ``[-ndim, ndim - 1]``, or any ``dim`` of a rank-0 tensor (as PyTorch: "Dimension
            specified as 0 but tensor has no dimensions").

    >>> import tinygradconv as tg
    >>> x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> x.size, x.size(), x.size(0), x.size(-1), x.size + 1
    (6, (2, 3), 2, 3, 7)
    """

    def __new__(cls, shape):
        size = super().__new__(cls, math.prod(shape))
        size.shape = tuple(shape)
        return size

    def __call__(self, dim=DEFAULT_NONE, *, axis=NOT_GIVEN):
        dim, _ = dim_or_axis("size", dim, axis)     # PyTorch's alias axis=
        if dim is None:
            return self.shape
        if not self.shape:
            dim_index(dim, 0, "size")       # a TypeError for a dim that is not an int, as PyTorch
            raise IndexError(f"size: Dimension specified as {dim!r} but tensor has no dimensions (as in PyTorch); "
                             f"t.size() is its shape, ()")
        return self.shape[dim_index(dim, len(self.shape), "size")]

    def __reduce__(self):
        return int, (int(self),)


Size.__call__.__qualname__ = "Tensor.size"      # Python's argument errors name it as it is called: t.size(...)


#: PyTorch ``Tensor`` names that tinygradconv lacks, and what to write instead (``_MissingTorchName``).
MISSING_TORCH_NAMES = {
    "register_hook": "tinygradconv has no hooks: read the gradient after backward() from t.grad (call "
                     "t.retain_grad() first for an op's output)",
    "retain_graph": "retain_graph is an argument of backward(), not a Tensor attribute: loss.backward("
                    "retain_graph=True)",
    "nonzero": "the indices of the nonzero elements, without gradient: tg.tensor(np.argwhere(t.numpy()))",
    "gather": "for one element per row (a class per sample) index with arrays: t[np.arange(n), labels], which has "
              "the gradient of indexing; there is no gather op",
    "scatter": "there is no scatter op: build the result out of place, e.g. tg.ops.where(mask, value, t), or a "
               "one-hot matrix product",
    "scatter_": "there is no scatter op: build the result out of place, e.g. tg.ops.where(mask, value, t)",
    "masked_scatter": "there is no masked_scatter op: tg.ops.where(mask, source, t) where source has t's shape",
    "index_select": "index with an array of indices: t[index] for dim 0, t[:, index] for dim 1 (the gradient of "
                    "indexing)",
    "argsort": "the order as PyTorch's stable=True, without gradient: order = np.argsort(t.detach().numpy(), "
               "axis=dim, kind='stable'); indices = tg.tensor(order, dtype='int64'). The sorted values, with the "
               "gradient of indexing: t[order] for a 1-D t; for a 2-D t, t[np.arange(t.shape[0])[:, None], order] "
               "along dim=1 and t[order, np.arange(t.shape[1])] along dim=0",
    "sort": "there is no sort op: order = np.argsort(t.detach().numpy(), axis=dim, kind='stable') (PyTorch's "
            "stable=True order; NaN last); then the values, with the gradient of indexing: t[order] for a 1-D t; "
            "for a 2-D t, t[np.arange(t.shape[0])[:, None], order] along dim=1 and "
            "t[order, np.arange(t.shape[1])] along dim=0; the indices: tg.tensor(order, dtype='int64')",
    "topk": "there is no topk op: the k largest along the last dimension of a 2-D t, NaN first (torch.topk "
            "counts NaN as the largest; np.argsort(-a) would put it last): a = t.detach().numpy(); order = "
            "np.lexsort((-a, ~np.isnan(a)), axis=-1)[:, :k]; values = t[np.arange(t.shape[0])[:, None], order] "
            "(with the gradient of indexing); of a 1-D t: order = np.lexsort((-a, ~np.isnan(a)))[:k]; "
            "values = t[order] (np.lexsort sorts by its last key first, stably: the NaN, then the numbers from "
            "the largest; of equal values, PyTorch may pick another: its order of ties is unspecified)",
    "kthvalue": "there is no kthvalue op: the k-th smallest of a 1-D t: order = np.argsort(t.detach().numpy(), "
                "kind='stable'); value = t[int(order[k - 1])] (with the gradient of indexing); along dim=1 of a 2-D "
                "t: order = np.argsort(t.detach().numpy(), axis=1, kind='stable')[:, k - 1]; "
                "values = t[np.arange(t.shape[0]), order] (of equal values, PyTorch may pick another)",
    "roll": "there is no roll op: index with the shifted positions, which has the gradient of indexing: "
            "t[(np.arange(t.shape[0]) - shifts) % t.shape[0]] rolls dim 0 by shifts, "
            "t[:, (np.arange(t.shape[1]) - shifts) % t.shape[1]] rolls dim 1",
    "tile": "PyTorch's t.repeat(*sizes) is NumPy's tile: t.repeat(*sizes) with one size per dimension; torch.tile "
            "puts 1s before fewer sizes, so t.tile((2,)) of a 2-D t is t.repeat(1, 2)",
    "take_along_dim": "index with arrays, which has the gradient of indexing: for a 2-D t and integer indices of "
                      "shape (t.shape[0], k), t[np.arange(t.shape[0])[:, None], indices] along dim=1, and for "
                      "indices of shape (k, t.shape[1]), t[indices, np.arange(t.shape[1])] along dim=0",
    "fmod": "the remainder with the sign of t (C's fmod), for a floating t: t - tg.ops.trunc(t / other) * other, "
            "whose gradient is PyTorch's (1 for t); t % other is PyTorch's remainder, with the sign of other",
    "unique": "the distinct values, sorted, without gradient (as PyTorch's): tg.tensor(np.unique(t.numpy()), "
              "dtype=t.dtype)",
    "scatter_add": "there is no scatter op: for a 1-D t, integer positions index (a NumPy array) and a 1-D src, "
                   "t + tg.tensor(np.eye(t.shape[0])[index].T, dtype=src.dtype) @ src sums src at each position, "
                   "with the gradients of the matrix product",
    "cuda": "the GPU is a backend here: t.to('cupy') (or tg.set_backend('cupy') before making tensors)",
    "stride": "tinygradconv does not expose strides: t.is_contiguous() says whether the elements are in row-major "
              "order",
    "index_add": "there is no index_add op: build the result out of place (tg.ops.where, tg.ops.concat)",
    "index_add_": "there is no index_add op: build the result out of place (tg.ops.where, tg.ops.concat)",
    # matrix products: all of them are `@` (tg.ops.matmul), which broadcasts batch dimensions
    "mm": "the matrix product of two 2-D tensors is a @ b (or a.matmul(b))",
    "bmm": "the batched matrix product is a @ b on (batch, n, m) and (batch, m, p) tensors (matmul)",
    "addmm": "write beta * t + alpha * (mat1 @ mat2), here t + mat1 @ mat2 for the default beta = alpha = 1",
    "mv": "the matrix-vector product is m @ v",
    "dot": "the dot product of two 1-D tensors is a @ b, or (a * b).sum()",
    "outer": "the outer product is a.reshape(-1, 1) * b.reshape(1, -1) (broadcasting)",
    "scatter_add_": "there is no scatter op: build the result out of place, e.g. a one-hot matrix product "
                    "(one_hot.T @ values sums the values per index)",
    "masked_scatter_": "there is no masked_scatter op: t = tg.ops.where(mask, source, t) where source has t's shape",
    "masked_select": "index with the mask: t[mask] (a 1-D tensor, with the gradient of indexing)",
    "nan_to_num": "t = tg.ops.where(t.isnan(), 0.0, t) (and tg.ops.where(t.isinf(), value, t) for infinities)",
    "lerp": "write start + weight * (end - start): t + weight * (end - t)",
    "lerp_": "write t.add_((end - t) * weight) (under tg.no_grad() for a parameter, as an EMA update)",
    # rounding in place (t.floor(), t.ceil(), t.round() and t.trunc() exist: tinygradconv.ops.rounding)
    "floor_": "t.copy_(t.floor()), or t = t.floor() (there is no in-place floor yet)",
    "ceil_": "t.copy_(t.ceil()), or t = t.ceil() (there is no in-place ceil yet)",
    "round_": "t.copy_(t.round()), or t = t.round() (there is no in-place round yet)",
    "clamp_min": "t.clamp(min=value)",
    "clamp_max": "t.clamp(max=value)",
    "logical_not": "~mask inverts a bool tensor",
    "uniform_": "draw new values with an initializer: t.copy_(tg.ops.rand_like(t) * (b - a) + a) under "
                "tg.no_grad(), or tg.initializers for a layer's weights",
    "normal_": "draw new values with an initializer: t.copy_(tg.ops.randn_like(t) * std + mean) under "
               "tg.no_grad(), or tg.initializers for a layer's weights",
    "is_floating_point": "str(t.dtype).startswith('float')",
}


class _MissingTorchName:
    """A class attribute standing for a PyTorch ``Tensor`` name that tinygradconv lacks: reading it raises an
    ``AttributeError``, as Python's, that says what to write instead (:data:`MISSING_TORCH_NAMES`), so
    ``hasattr`` stays False. A descriptor per name, not a ``__getattr__``: a class with ``__getattr__`` makes every
    attribute read of its instances slower (CPython's slot for it wraps every lookup; 0.4 us, 10 %, on ``a + 1.0``).

    >>> import tinygradconv as tg
    >>> hasattr(tg.tensor([1.0]), "gather")
    False
    """

    def __init__(self, name, hint):
        self.name, self.hint = name, hint

    def __get__(self, obj, owner=None):
        raise AttributeError(f"{(owner or type(obj)).__name__!r} object has no attribute {self.name!r} (a PyTorch "
                             f"Tensor method); {self.hint}", name=self.name, obj=obj)


class TorchMethods(TorchPort, NumpyUfuncs):
    """The methods a PyTorch user reaches for first, with PyTorch's names and semantics (a mixin of ``Tensor``)."""

    __slots__ = ()   # Tensor declares its own slots; a mixin without this line would give it a second __dict__
    # In-place ops recorded in the graph (tinygradconv.in_place.record): the ``(write count, before)`` of each, and
    # on a ``before``, the tensor it was the value of. Class defaults, set on an instance only once it has them.
    _versions = ()
    _version_of = None
    # A view made under no_grad() (or a view of one): its in_place.NoGradView, which a write in place while
    # gradients are recorded refuses (in_place.refuse_no_grad_view_write).
    _no_grad_view = None

    def __dir__(self):
        """``dir(t)`` (and so tab completion in IPython/Jupyter) without the PyTorch names tinygradconv lacks
        (:data:`MISSING_TORCH_NAMES`: reading them raises an ``AttributeError`` with a hint, so they are not
        attributes). ``dir(tg.Tensor)`` still lists them: hiding them there needs a metaclass.

        >>> import tinygradconv as tg
        >>> "gather" in dir(tg.tensor([1.0])), "sum" in dir(tg.tensor([1.0]))
        (False, True)
        """
        return [name for name in super().__dir__() if name not in MISSING_TORCH_NAMES
                or not isinstance(inspect.getattr_static(self, name, None), _MissingTorchName)]

    def __format__(self, spec):
        """``f"{t}"`` and ``f"{t:.3f}"``, as ``torch.Tensor.__format__``: a 0-D tensor is formatted as its number
        (``t.item()``), so ``f"{loss:.3f}"`` gives ``'3.000'`` and ``f"{loss}"`` gives ``'3.0'``; a tensor of
        more dimensions as ``object`` formats it (``str(t)`` for an empty spec; any other spec raises PyTorch's
        ``TypeError``, "unsupported format string passed to Tensor.__format__").

        >>> import tinygradconv as tg
        >>> loss = tg.tensor(3.0, requires_grad=True)
        >>> f"{loss:.3f}", f"{loss}", f"{tg.tensor(7, dtype='int64'):4d}"
        ('3.000', '3.0', '   7')
        """
        if self.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    @property
    def T(self):
        """The transpose of a 2-D tensor: ``x.permute(1, 0)``, shape ``(n, m)`` for ``(m, n)``.

        Other ranks follow ``torch.Tensor.T``: the axes reversed (a 1-D tensor as it is), and a rank-0 tensor as
        it is, each with a ``UserWarning`` that PyTorch deprecates this use (PyTorch warns too). Write
        ``x.permute(...)`` to reverse the axes of other ranks without a warning.

        See https://pytorch.org/docs/stable/tensors.html#torch.Tensor.T.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0, 3.0]]).T.shape
        (3, 1)
        """
        if self.ndim == 2:
            return self.permute(1, 0)
        if self.ndim == 0:
            message = ("x.T of a 0-d tensor returns it unchanged; PyTorch deprecates .T on tensors that are not "
                       "2-D. Leave out the .T")
        else:
            order = tuple(reversed(range(self.ndim)))
            message = (f"x.T of a {self.ndim}-d tensor reverses all its axes, as PyTorch's does; PyTorch deprecates "
                       f".T on tensors that are not 2-D (an error in a future release). Write x.permute{order} "
                       f"to reverse them without this warning")
        warnings.warn(message, UserWarning, stacklevel=2)
        return self.permute(tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        """The tensor with its last two dimensions swapped, as ``torch.Tensor.mT``: a matrix, or each matrix of a
        batch, transposed (shape ``(..., n, m)`` for ``(..., m, n)``): :meth:`~tinygradconv.tensor.Tensor.permute`,
        with its gradient (the output gradient with the two dimensions swapped back). Any dtype.

        A rank-0 tensor is returned as it is, with PyTorch's deprecation ``UserWarning`` (PyTorch returns it and
        warns too).

        Raises:
            ValueError: a 1-D tensor (PyTorch raises ``RuntimeError``: "only supported on matrices or batches of
                matrices").

        See https://pytorch.org/docs/stable/tensors.html#torch.Tensor.mT

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> tg.tensor(np.zeros((5, 2, 3))).mT.shape, tg.tensor([[1.0, 2.0, 3.0]]).mT.tolist()
        ((5, 3, 2), [[1.0], [2.0], [3.0]])
        """
        return _matrix_transpose(self, "mT")

    @property
    def mH(self):
        """The conjugate transpose of the last two dimensions, as ``torch.Tensor.mH``. Tensors here hold real
        numbers, whose conjugates are themselves, so this is :attr:`mT` (its shapes, gradient and errors).

        See https://pytorch.org/docs/stable/tensors.html#torch.Tensor.mH

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0]]).mH.shape
        (2, 1)
        """
        return _matrix_transpose(self, "mH")

    @property
    def data(self):
        """The tensor's array on its backend (a ``numpy.ndarray`` on the ``numpy`` backend), itself, not a copy.

        Assigning replaces it, as PyTorch's ``t.data = ...`` does: ``t.data = array`` (an array of a backend,
        which the tensor then shares; a NumPy scalar is taken as a 0-d array) or ``t.data = other`` (a Tensor, whose
        array the tensor then shares; its graph and ``requires_grad`` are not taken, as in PyTorch). As in PyTorch,
        the new data may have another shape, another floating dtype, or another backend (PyTorch's device: the
        tensor moves there, as ``t.data = t.data.cuda()`` moves it); ``requires_grad``, ``grad`` (of the old shape,
        dtype and backend, until the next ``backward`` or ``grad = None``) and the graph recorded so far are kept.
        A backward pass through that graph that reads the old values its forward pass saved (``w * x`` for
        ``x``'s gradient, ``x @ w`` where ``x`` requires grad, ``w.exp()``) raises ``RuntimeError`` instead
        (:func:`~tinygradconv.in_place.check_saved_arrays`): PyTorch's reads the new data of an input it saved and
        the old values of a result it saved, and it gives a gradient of the old shape when the shape changed; nodes
        that read no saved value of it (``w + x``, ``w * 3``) give PyTorch's gradient. An optimizer's step counts
        as such a replacement, as PyTorch's in-place step does. Assign ``.data`` (and step) after ``backward()``.

        Differences from PyTorch: reading ``t.data`` gives the backend array, not a Tensor sharing it (PyTorch's
        ``t.data`` is ``t.detach()`` without the in-place checks), so ``t.data = array`` takes an array, which
        PyTorch refuses ("Variable data has to be a tensor").

        Raises:
            TypeError: anything else (a Python number or list: wrap it with ``tg.tensor(value)``); an unsupported
                dtype; integer or bool data for a tensor that requires grad, as PyTorch refuses it ("data set to a
                tensor that requires gradients must be floating point") and as the constructor does.

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> w.data = np.array([5.0, 6.0, 7.0], dtype=np.float32)
        >>> w
        tensor([5., 6., 7.], dtype=float32, requires_grad=True)
        >>> w.data = np.ones(3, dtype=int)
        Traceback (most recent call last):
        ...
        TypeError: Invalid type for argument `data`: a tensor that requires grad must hold floating-point data ...
        """
        return self._data

    @data.setter
    def data(self, value):
        old = self._data
        self._data, self.backend = _checked_data(self, value)
        if self._data is not old:        # a graph that saved the old array must not use it silently
            in_place.note_data_replaced(self)

    @property
    def size(self) -> Size:
        """The number of elements, an int (NumPy's ``a.size``), also callable as PyTorch's ``t.size(dim=None)``:
        ``t.size()`` is the shape and ``t.size(d)`` the length of dimension ``d`` (see :class:`Size`)."""
        return Size(self._data.shape)

    def numel(self) -> int:
        """The number of elements, as ``torch.Tensor.numel`` (NumPy's ``a.size``).

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).numel()
        6
        """
        return math.prod(self._data.shape)

    def dim(self) -> int:
        """The number of dimensions, as ``torch.Tensor.dim`` (NumPy's ``a.ndim``, also :attr:`ndim` here)."""
        return self._data.ndim

    def float(self):
        """This tensor as float32, as ``torch.Tensor.float``: the tensor itself when it is float32 already (as
        PyTorch returns it), else :meth:`~tinygradconv.tensor.Tensor.astype` ``("float32")``, differentiable from
        a floating tensor (the gradient is cast back), and not requiring grad from an integer or bool one.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1, 2], dtype="int64")
        >>> x.float(), x.float().requires_grad
        (tensor([1., 2.], dtype=float32), False)
        """
        return self._cast("float32")

    def double(self):
        """This tensor as float64, as ``torch.Tensor.double``: as :meth:`float` with float64."""
        return self._cast("float64")

    def half(self):
        """This tensor as float16, as ``torch.Tensor.half``: as :meth:`float` with float16 (a ``TypeError`` on the
        ``array_api_strict`` backend, which has no float16)."""
        return self._cast("float16")

    def long(self):
        """This tensor as int64 (class labels, indices), as ``torch.Tensor.long``: floats are truncated towards
        zero, as in PyTorch; no gradient flows back through it (an integer result never requires grad).

        >>> import tinygradconv as tg
        >>> tg.tensor([2.7, -2.7]).long().tolist()
        [2, -2]
        """
        return self._cast("int64")

    def _cast(self, dtype):
        return self if dtype_name(self.dtype) == dtype else self.astype(dtype)

    def pow(self, exponent):
        """``t ** exponent``, as ``torch.Tensor.pow``: :func:`tinygradconv.ops.elementwise.power` (a number or a
        tensor exponent, broadcasting, with its gradients).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
        >>> x.pow(2).sum().backward()
        >>> x.grad.tolist()
        [2.0, -4.0, 6.0]
        """
        from .ops.elementwise import power

        return power(self, exponent)

    def t(self):
        """The transpose of a tensor of at most 2 dimensions, as ``torch.Tensor.t``: a 2-D tensor's axes swapped
        (:meth:`~tinygradconv.tensor.Tensor.permute` ``(1, 0)``, the same as :attr:`T`); a 0-D or 1-D tensor is
        returned as it is.

        Raises:
            ValueError: a tensor of more than 2 dimensions (PyTorch raises ``RuntimeError``); use
                ``transpose(dim0, dim1)`` or ``permute`` there.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0, 3.0]]).t().shape, tg.tensor([1.0, 2.0]).t().shape
        ((3, 1), (2,))
        """
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions (as in PyTorch); this one has shape "
                             f"{tuple(self.shape)}. Use transpose(dim0, dim1) or permute(...)")
        return self.permute(1, 0) if self.ndim == 2 else self

    def zero_(self):
        """Fill this tensor with zeros in place and return it, as ``torch.Tensor.zero_``: ``x.grad.zero_()``, or a
        buffer's reset. The in-place rules of :meth:`add_` apply: a write under ``no_grad()``, or for a tensor
        outside the graph; on an op's output that requires grad, while gradients are recorded, a write recorded in
        the graph (gradient 0 for the old values, PyTorch's ``ZeroBackward``); a leaf that requires grad, while
        gradients are recorded, raises ``RuntimeError``, as in PyTorch.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.zero_()
        tensor([0., 0.], dtype=float32)
        """
        zero = False if dtype_name(self.dtype) == "bool" else 0
        return write_in_place(self, "zero_", lambda t: _filled_with(t, zero, "zero_"),
                              instead="t = tg.ops.zeros_like(t)")

    def abs_(self):
        """Replace this tensor's values by their absolute values in place and return it, as ``torch.Tensor.abs_``,
        with the in-place rules of :meth:`zero_`.

        On an op's output that requires grad, while gradients are recorded, the write is recorded as PyTorch
        records it (see :meth:`add_`).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, -2.0])
        >>> x.abs_() is x, x.tolist()
        (True, [1.0, 2.0])
        """
        return write_in_place(self, "abs_", type(self).abs)

    def view(self, *shape, size=NOT_GIVEN):
        """This tensor's elements in a new ``shape``, as ``torch.Tensor.view``.

        ``shape`` is given as ints (``x.view(2, 3)``), as one tuple or list (``x.view((2, 3))``) or by PyTorch's
        keyword ``size`` (``x.view(size=(2, 3))``); one entry may be ``-1``, inferred from the others. Same
        dtype, same elements in the same (row-major) order, and the gradient of
        :meth:`~tinygradconv.tensor.Tensor.reshape`, on which it is built.

        Difference from PyTorch: PyTorch's ``view`` always shares memory with the original tensor, and refuses
        (``RuntimeError``, "use .reshape(...) instead") a tensor whose memory layout does not allow that, e.g. a
        transposed one. Here ``view`` is :meth:`~tinygradconv.tensor.Tensor.reshape`: it shares memory when the
        array library can and copies otherwise, without an error. Values and gradients are the same either way;
        only a write into one tensor's memory (``t.numpy()[0] = ...``) may not show in the other. PyTorch's
        ``view(dtype)`` (reinterpreting the bits) is not supported; a cast is
        :meth:`~tinygradconv.tensor.Tensor.astype`.

        Raises:
            TypeError: no shape, a shape given both ways, an entry that is not an int (``2.0``, ``True``), or a
                dtype.
            ValueError: a shape holding another number of elements, two ``-1``, an entry below ``-1``, or ``-1``
                beside a ``0``, with a message naming ``view`` (PyTorch raises ``RuntimeError`` for these: "shape
                '[4]' is invalid for input of size 6").

        See https://pytorch.org/docs/stable/generated/torch.Tensor.view.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.view(3, -1).tolist(), x.view((6,)).shape, x.transpose().view(-1).tolist()
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], (6,), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0])
        >>> x.view(4)
        Traceback (most recent call last):
        ...
        ValueError: view: cannot view a tensor of shape (2, 3) (6 elements) into shape (4,). Received shape=(4,)
        """
        if size is not NOT_GIVEN:
            if shape:
                raise TypeError(f"view() takes the shape either as arguments or as `size`, not both. Received "
                                f"{shape!r} and size={size!r}")
            if not isinstance(size, (tuple, list)) and type(size).__name__ != "Size":
                raise TypeError(f"view(size=...) takes the shape as a tuple or list (as PyTorch). Received "
                                f"size={size!r}")
            shape = (size,)
        if not shape:
            raise TypeError("view() needs the new shape, e.g. x.view(2, 3), x.view((2, 3)) or x.view(-1). "
                            "Received no argument")
        if len(shape) == 1 and _is_dtype(shape[0]):
            raise TypeError(f"view(dtype) reinterprets the bits of the data in PyTorch; tinygradconv does not "
                            f"support it. Received {shape[0]!r}. For a cast of the values use "
                            f"x.astype('float32') (PyTorch's x.to(dtype))")
        from .ops.shape import _target_shape

        _target_shape(shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape,
                      tuple(self.shape), op="view")        # its errors name view, not reshape
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """The dimensions ``start_dim`` to ``end_dim`` (both included) merged into one, as ``torch.flatten``.

        The merged dimension's size is the product of theirs. A rank-0 tensor becomes shape ``(1,)``; when
        ``start_dim`` and ``end_dim`` name the same dimension there is nothing to merge and the tensor itself is
        returned (as PyTorch returns it). Gradient: that of :meth:`~tinygradconv.tensor.Tensor.reshape`.

        Raises:
            TypeError: a ``start_dim`` or ``end_dim`` that is not an int.
            IndexError: one out of the range ``[-ndim, ndim - 1]`` (``[-1, 0]`` for rank 0), as PyTorch.
            ValueError: ``start_dim`` after ``end_dim`` (PyTorch raises ``RuntimeError``).

        See https://pytorch.org/docs/stable/generated/torch.flatten.html

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> x = tg.tensor(np.zeros((2, 3, 4)))
        >>> x.flatten().shape, x.flatten(1).shape, x.flatten(0, -2).shape, tg.tensor(5.0).flatten().shape
        ((24,), (2, 12), (6, 4), (1,))
        """
        start = dim_index(start_dim, self.ndim, "flatten", "start_dim")
        end = dim_index(end_dim, self.ndim, "flatten", "end_dim")
        if start > end:
            raise ValueError(f"flatten: `start_dim` comes after `end_dim` (dimensions {start} and {end} of a tensor "
                             f"with {self.ndim} dimensions). Received start_dim={start_dim!r}, end_dim={end_dim!r}")
        if self.ndim == 0:
            return self.reshape(1)
        if start == end:
            return self
        shape = self.shape
        return self.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def squeeze(self, dim=NOT_GIVEN, *more_dims, axis=NOT_GIVEN):
        """This tensor without dimensions of size 1, as ``torch.squeeze``.

        No ``dim`` (or ``dim=None``) removes every dimension of size 1; an int or a tuple (or list) of ints
        removes the named dimensions *that have size 1* and leaves the others alone, without an error (as
        PyTorch). Several ints may also be given one by one, ``x.squeeze(0, 2)``, as in PyTorch. Negative dims
        count from the end; ``axis`` is accepted for ``dim``, as PyTorch accepts it, and errors name the spelling
        given. Gradient: that of :meth:`~tinygradconv.tensor.Tensor.reshape`.

        Raises:
            TypeError: a ``dim`` that is not None, an int or a tuple/list of ints; dims given one by one that are
                not all ints; both ``dim`` and ``axis`` (even ``dim=None``, as PyTorch).
            IndexError: a dim out of the range ``[-ndim, ndim - 1]`` (``[-1, 0]`` for rank 0), as PyTorch.
            ValueError: the same dimension named twice (PyTorch raises ``RuntimeError``).

        See https://pytorch.org/docs/stable/generated/torch.squeeze.html

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> x = tg.tensor(np.zeros((1, 2, 1)))
        >>> x.squeeze().shape, x.squeeze(0).shape, x.squeeze(1).shape, x.squeeze((0, -1)).shape
        ((2,), (2, 1), (1, 2, 1), (2,))
        """
        if more_dims:               # x.squeeze(0, 2): PyTorch takes the dims one by one too, ints only
            given = (dim, *more_dims)
            if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in given):
                raise TypeError(f"squeeze: dims given one by one must be ints, as in PyTorch. Received "
                                f"{', '.join(repr(d) for d in given)}; pass one tuple instead, e.g. squeeze((0, 2))")
            dim = given
        dim, name = dim_or_axis("squeeze", dim, axis)
        if dim is None:
            dims = [i for i, n in enumerate(self.shape) if n == 1]
        else:
            items = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
            dims = [dim_index(d, self.ndim, "squeeze", name) for d in items]
            if len(set(dims)) != len(dims):
                raise ValueError(f"squeeze: `{name}` names the same dimension twice. Received {name}={dim!r} for a "
                                 f"tensor with {self.ndim} dimensions")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)))

    def unsqueeze(self, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """This tensor with a new dimension of size 1 inserted at position ``dim``, as ``torch.unsqueeze``.

        ``dim`` is in ``[-ndim - 1, ndim]``: the new dimension's index in the result, a negative ``dim`` meaning
        ``dim + ndim + 1`` (``-1`` appends it at the end); ``axis`` is accepted for ``dim``, as PyTorch accepts it,
        and errors name the spelling given. Gradient: that of :meth:`~tinygradconv.tensor.Tensor.reshape`.

        Raises:
            TypeError: no ``dim`` or a ``dim`` that is not an int (a tuple too, as PyTorch), both ``dim`` and
                ``axis`` (even ``dim=None``).
            IndexError: a ``dim`` out of that range, as PyTorch.

        See https://pytorch.org/docs/stable/generated/torch.unsqueeze.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 2.0, 3.0])
        >>> x.unsqueeze(0).shape, x.unsqueeze(1).shape, x.unsqueeze(-1).shape, x.unsqueeze(-2).shape
        ((1, 3), (3, 1), (3, 1), (1, 3))
        """
        dim, name = dim_or_axis("unsqueeze", dim, axis)
        i = dim_index(dim, self.ndim, "unsqueeze", name, insert=True)
        shape = self.shape
        return self.reshape(shape[:i] + (1,) + shape[i:])

    def clone(self, *, memory_format=None):
        """A copy of this tensor in new memory that stays in the graph, as ``torch.clone``.

        Same shape, dtype, backend and values (NaN, ``-0.0`` and all). Unlike
        :meth:`~tinygradconv.tensor.Tensor.detach`, the gradient flows back through it (d clone / dx = 1) and the
        copy shares no memory with the original; unlike ``copy.deepcopy`` (for leaves only) the result is not a
        leaf when the original requires grad.

        ``memory_format`` (PyTorch's ``torch.preserve_format``, the default, or ``torch.contiguous_format``) is
        accepted and changes nothing here: tinygradconv does not choose memory layouts (the array library's copy
        keeps the original's). ``torch.channels_last`` (rank 4) and ``torch.channels_last_3d`` (rank 5) are layouts
        of image tensors; as in PyTorch they are refused for other ranks, and for those ranks they give the same
        values as the others.

        Raises:
            TypeError: a ``memory_format`` that is not one of PyTorch's memory formats (nor None).
            ValueError: ``torch.channels_last`` for a tensor not of rank 4, ``torch.channels_last_3d`` not of rank
                5 (PyTorch raises ``RuntimeError``).

        See https://pytorch.org/docs/stable/generated/torch.clone.html

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, -2.0], requires_grad=True)
        >>> y = x.clone()
        >>> y.is_leaf, np.shares_memory(y.numpy(), x.numpy())
        (False, False)
        >>> (y * y).sum().backward()
        >>> x.grad.tolist()
        [2.0, -4.0]
        """
        # imported here, not at the top: tensor.py imports this module before the ops exist (see the end of tensor.py)
        from .ops.shape import Clone

        _check_memory_format(memory_format, self.ndim)
        return Clone.apply(self)

    def clamp(self, min=None, max=None):
        """``torch.clamp``: the same as :meth:`clip` (:func:`tinygradconv.ops.clip`), whose bounds are numbers,
        tensors or None, with its values, gradients and errors.

        See https://pytorch.org/docs/stable/generated/torch.clamp.html

        >>> import tinygradconv as tg
        >>> tg.tensor([-2.0, 0.5, 3.0]).clamp(min=-1.0, max=1.0).tolist()
        [-1.0, 0.5, 1.0]

        Raises:
            ValueError: neither bound given, as ``torch.clamp`` (NumPy's ``clip`` returns the input there).
        """
        if min is None and max is None:
            raise ValueError("Invalid value: clamp() needs at least one of `min` and `max` (as torch.clamp). "
                             "Received min=None, max=None")
        return self.clip(min, max)

    def __floordiv__(self, other):
        """``t // other``: ``floor(t / other)``, as ``torch.floor_divide``
        (:class:`~tinygradconv.ops.elementwise.FloorDivide`). No gradient, as in PyTorch: a backward pass that
        reaches it raises ``RuntimeError`` (write ``(t // 2).detach()`` where none is wanted).

        Rounding, as PyTorch's CPU kernel: float16 divided by a tensor of several elements rounds each step of the
        division to float16 (:func:`~tinygradconv.ops.elementwise.floor_divided`), which costs: 10**6 float16
        elements by 10**6, 83 ms where float32 takes 23 (a 2-vCPU AMD EPYC shared with other work, 2026-12-07); a
        float16 tensor divided by a number or a one-element tensor is computed in float32, as fast as float32.

        >>> import tinygradconv as tg
        >>> (tg.tensor([-3.5, 7.0]) // 2).tolist(), (7 // tg.tensor([2.0, -2.0])).tolist()
        ([-2.0, 3.0], [3.0, -4.0])
        """
        from .ops.elementwise import FloorDivide, bool_beside_number, float16_number_in_float32

        out = float16_number_in_float32(FloorDivide, self, other)     # float16 // 0.1: the number in float32
        if out is not None:
            return out
        a = bool_beside_number(self, other)         # mask // 2: its 0 and 1 as int64, as PyTorch
        return FloorDivide.apply(a, a._lift(other))

    def __rfloordiv__(self, other):
        from .ops.elementwise import FloorDivide, bool_beside_number

        b = bool_beside_number(self, other)
        return FloorDivide.apply(b._lift(other), b)

    def __mod__(self, other):
        """``t % other``, of the sign of ``other``, as ``torch.remainder`` and Python's ``%``
        (:class:`~tinygradconv.ops.elementwise.Remainder`): d/dt = 1, d/dother = ``-floor(t / other)``.

        Difference from PyTorch: ``7 % t`` (a number on the left) has the gradient ``-floor(7 / t)`` here, that of
        ``torch.remainder(torch.tensor(7.0), t)``; PyTorch's ``remainder(Scalar, Tensor)`` has no derivative and
        raises in ``backward``.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([-7.0, 7.0, 2.5], requires_grad=True)
        >>> y = x % 2
        >>> y.tolist()
        [1.0, 1.0, 0.5]
        >>> y.sum().backward()
        >>> x.grad.tolist()
        [1.0, 1.0, 1.0]
        """
        from .ops.elementwise import Remainder, bool_beside_number

        a = bool_beside_number(self, other)         # mask % 2: its 0 and 1 as int64, as PyTorch
        return Remainder.apply(a, a._lift(other))

    # augmented assignments: in place for a parameter under no_grad(), as ``+=`` (Tensor.__iadd__ and
    # ops.elementwise.in_place); without these, Python ran ``p = p ** 2`` and the loop's ``p **= 2`` left the
    # parameter unchanged, and ``w %= 2`` on a parameter while recording passed silently (found by a tester)
    def remainder(self, other):
        """``t % other`` by PyTorch's name, as ``torch.Tensor.remainder``: the remainder with the sign of ``other``
        (:meth:`__mod__`, its values, dtypes, gradient and errors).

        >>> import tinygradconv as tg
        >>> tg.tensor([-7.0, 7.0]).remainder(3).tolist()
        [2.0, 1.0]
        """
        return self % other

    def floor_divide(self, other):
        """``t // other`` by PyTorch's name, as ``torch.Tensor.floor_divide``: the quotient rounded towards minus
        infinity (:meth:`__floordiv__`, its values, dtypes and errors; no gradient).

        >>> import tinygradconv as tg
        >>> tg.tensor([-7, 7], dtype="int64").floor_divide(2).tolist()
        [-4, 3]
        """
        return self // other

    def where(self, condition, other):
        """This tensor where ``condition`` is true, ``other`` elsewhere, as ``torch.Tensor.where(condition,
        other)``, which is ``torch.where(condition, t, other)``: :func:`tinygradconv.ops.where` (broadcasting,
        promotion, gradients to both and errors).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, -2.0, 3.0])
        >>> x.where(x > 0, 0.0).tolist()
        [1.0, 0.0, 3.0]
        """
        from .ops.elementwise import where  # (ops import this module)

        return where(condition, self, other)

    def __ipow__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__pow__, "**=")

    def __imod__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__mod__, "%=")

    def __ifloordiv__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__floordiv__, "//=")

    def __rmod__(self, other):
        from .ops.elementwise import Remainder, bool_beside_number

        b = bool_beside_number(self, other)
        return Remainder.apply(b._lift(other), b)

    def __divmod__(self, other):
        """``divmod(t, other)``: the pair ``(t // other, t % other)``, as Python's and NumPy's ``divmod``
        (``other * q + r == t``), each with its own gradient: the remainder that of ``%``; a backward through the
        quotient raises, as through ``//``.

        Difference from PyTorch: ``torch.Tensor`` has no ``__divmod__``, so ``divmod(t, 2)`` is a ``TypeError``
        there; here it is the two operators above.

        >>> import tinygradconv as tg
        >>> q, r = divmod(tg.tensor([7.0, -7.0]), 2)
        >>> q.tolist(), r.tolist()
        ([3.0, -4.0], [1.0, 1.0])
        """
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __index__(self):
        """``operator.index(t)`` for a 0-d integer tensor, as PyTorch: ``range(t)``, ``[...][t]``, ``hex(t)`` take
        it.

        Unlike PyTorch, a tensor of shape ``(1,)`` and a bool tensor are not indices: NumPy asks ``__index__`` first
        when it indexes, so ``array[tg.tensor([2])]`` would lose an axis (``(2,)`` for a ``(5, 2)`` array, where
        ``array[np.array([2])]`` and ``t[tg.tensor([2])]`` give ``(1, 2)``), and a one-element mask would pick
        element 0 or 1 instead of masking (found by a reviewer).

        Raises:
            TypeError: a floating or bool tensor, or one that is not 0-d, as PyTorch refuses the first ("only
                integer tensors of a single element can be converted to an index"). ``int(t)`` converts any
                one-element tensor.

        >>> import tinygradconv as tg
        >>> n = tg.tensor(3, dtype="int64")
        >>> list(range(n)), ["a", "b", "c", "d"][n]
        ([0, 1, 2], 'd')
        """
        kind = dtype_name(self.dtype)
        if kind.startswith("float") or kind == "bool" or self.ndim != 0:
            raise TypeError(f"Only 0-d integer tensors can be converted to an index; this one is {kind} of shape "
                            f"{tuple(self.shape)}. Write int(t) for one element (t.reshape(()) for an index), or "
                            "index with the tensor's array as NumPy does, array[t.numpy()]")
        return int(self.item())

    def __setitem__(self, index, value):
        """``t[index] = value``: writes ``value`` (a number, array or tensor, broadcast to ``t[index]``'s shape and
        cast to ``t``'s dtype) into ``t``'s memory where ``t[index]`` reads, with the index rules of
        :func:`~tinygradconv.ops.shape.getitem` (PyTorch's, for mixed indices). Views and ``t.numpy()`` see it.

        Where the write is outside the autograd graph it is done, as PyTorch does it, and counted as an in-place
        write (:mod:`tinygradconv.in_place`): a ``backward`` through a graph that saved ``t``'s data before the
        write raises ``RuntimeError``, as PyTorch's "modified by an inplace operation". That is: a tensor that does
        not require grad, given a value that does not (data, masks, buffers), and any tensor under ``no_grad()``
        (a parameter updated by hand, as ``p -= lr * p.grad``).

        Written while gradients are recorded into an op's output that requires grad (``h = x * 2; h[h < 0] = 0``),
        into a view of one (``y[0][1:] = v``), or with a value that requires grad (``z[0] = x[0] * 2``: ``z`` then
        requires grad), the write is recorded as PyTorch records it (:func:`tinygradconv.copy_slices.write_region`):
        the tensor's new history is its old value with the region overwritten (``grad_fn`` ``<CopySlices>``, or
        ``<IndexPutBackward>`` for index arrays and masks, as PyTorch names them). The old values' gradient is 0
        where they were overwritten; ``value``'s is the region's gradient summed to its shape (each repeated index
        gives it its gradient, as PyTorch). Nodes recorded before the write keep the old value, and a backward
        pass through one that saved it raises PyTorch's "modified by an inplace operation" ``RuntimeError``.

        Raises:
            RuntimeError: a leaf that requires grad, while gradients are recorded (as PyTorch); a region of an
                ``expand`` of an op's output that holds one of its elements twice (``y.expand(3, 2)[:, 0]``; a row,
                ``y.expand(3, 2)[0]``, writes ``y``, as PyTorch); a value that is another view of some of the
                written elements (``y[1:] = y[:2]``; PyTorch's "some elements of the input tensor and the
                written-to tensor refer to a single memory location").
            TypeError: a floating value written into an integer or bool tensor, unless it is one number (a
                float, a 0-d array or a 0-d tensor that does not require grad) holding an integer the dtype holds:
                ``2.0``, ``np.array(2.0)`` and ``tg.tensor(2.0)`` write 2, as PyTorch; ``3.7`` is refused, quoted
                (PyTorch truncates it silently); an array of floats: cast it first. A value that requires grad
                written into a view made outside the graph (``z[0][1] = x[0]`` for a ``z`` that does not require
                grad: PyTorch gives ``z`` the history; write into ``z`` itself, ``z[0, 1] = x[0]``).
            TypeError: one value (a number, or one element) written through a uint8 mask, the only index tensor
                (``t[uint8_mask] = 0.0``), as PyTorch refuses it (``masked_fill_`` takes bool masks only); a value
                of several elements is written, the mask read as ``mask != 0``, as PyTorch's ``index_put_``.
            IndexError: an index out of range, as :func:`~tinygradconv.ops.shape.getitem`.
            ValueError: a value that does not broadcast to ``t[index]``'s shape; a number out of the range of
                the tensor's dtype (``300`` for int8, ``1e5`` for float16), as ``fill_`` and ``masked_fill``
                (PyTorch raises ``RuntimeError`` "value cannot be converted to type ... without overflow" for the
                integers; its ``t[0] = 1e5`` writes ``inf`` into float16, where its ``fill_`` refuses).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x[0] = 0.0
        >>> x[x > 3] = -1.0
        >>> x.tolist()
        [[0.0, 0.0], [3.0, -1.0]]
        """
        from .in_place import note_in_place_write, own_array
        from .index_check import check_index_backend
        from .ops.shape import _normalized_index, refuse_one_value_through_uint8_mask

        check_index_backend(self, index)
        kind = dtype_name(self.dtype)
        value = self._lift(_number_to_write(value, kind, "`t[index] = value`"))
        refuse_one_value_through_uint8_mask(index, value)
        value_kind = dtype_name(value.dtype)
        if value_kind.startswith("float") and not kind.startswith("float"):
            raise TypeError(f"Invalid type for argument `value`: a {value_kind} value cannot be written into "
                            f"{_ops_article(kind)} {kind} tensor without changing it; cast it first, e.g. "
                            f"value.astype(...)")
        recorded = _refuse_in_graph_write(self, value, "`t[index] = value`", "t = tg.ops.where(mask, value, t)",
                                          recordable=True)
        if value.backend is not self.backend:
            value = value.to(self.backend)
        if recorded:            # the base's new history: the old base with the region overwritten (CopySlices)
            from .copy_slices import write_region

            if in_place.arrays_may_overlap(self._data, value._data):   # (`y[1:] = y[:2]`); t[index] costs a write
                in_place.refuse_partial_overlap(self.detach()[index], value, "copy_")
            write_region(self, index, value)
            return
        own_array(self)                       # (a rank-0 result held as a NumPy scalar: a 0-d array instead)
        array, written = self.data, value.data
        xp = self.backend.xp
        if hasattr(array, "_array"):          # array_api_strict's Array: write into the NumPy array it holds
            array, written, xp = array._array, np.asarray(written._array), np
        first, rest = _normalized_index(xp, index, tuple(self.shape))
        written = written.astype(array.dtype, copy=False)
        if written.ndim and written.shape[0] == 1:   # leading axes of length 1 dropped, as PyTorch: x[0] = tensor([5.])
            target_ndim = np.ndim(array[first] if rest is None else array[first][rest])
            while written.ndim > target_ndim and written.shape[0] == 1:
                written = written[0]
        try:
            if rest is None:
                array[first] = written
            else:                               # the arrays index a view: integers, slices and new axes first
                array[first][rest] = written
        except ValueError as error:
            if "broadcast" not in str(error) and "cannot assign" not in str(error):   # NumPy's shape errors only
                raise
            raise ValueError(f"Invalid value for argument `value`: shape {tuple(value.shape)} does not broadcast to "
                             f"the shape of t[index], {tuple(self.detach()[index].shape)}") from None
        note_in_place_write(self._data)

    def __neg__(self):
        """``-t``: :class:`~tinygradconv.ops.elementwise.Neg` (d/dt = -1).

        Raises:
            TypeError: a bool tensor, as PyTorch refuses it ("Negation, the `-` operator, on a bool tensor is not
                supported"): invert a mask with ``~t``. The op refuses it, so ``tg.ops.neg(t)`` does too.
        """
        from .ops.elementwise import Neg

        return Neg.apply(self)

    def __invert__(self):
        """``~t``: the logical not of a bool tensor, the bitwise not of an integer one (``~5 == -6``), as
        ``torch.bitwise_not``; not differentiable (bool and integer tensors have no gradient).

        Raises:
            TypeError: a floating tensor, as PyTorch refuses it.

        >>> import tinygradconv as tg
        >>> (~tg.tensor([True, False], dtype="bool")).tolist(), (~tg.tensor([5, -1], dtype="int64")).tolist()
        ([False, True], [-6, 0])
        """
        kind = dtype_name(self.dtype)
        if kind.startswith("float"):
            from .ops.elementwise import float_mask_hint  # (ops import this module)

            raise TypeError(f"`~` (bitwise not) is defined for bool and integer tensors, not for {kind} (as in "
                            f"PyTorch). For a mask write `~(t > 0)`; for the negative, `-t`.{float_mask_hint(kind)}")
        xp = self.backend.xp
        inverted = xp.logical_not(self.data) if kind == "bool" else xp.bitwise_invert(self.data)
        return self._make(inverted, self.backend, False, None)

    def isnan(self):
        """A bool tensor of ``t``'s shape, True where ``t`` is NaN, as ``torch.isnan``; not differentiable.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, float("nan"), float("inf")]).isnan().tolist()
        [False, True, False]
        """
        return self._classified("isnan")

    def isinf(self):
        """A bool tensor of ``t``'s shape, True where ``t`` is ``inf`` or ``-inf``, as ``torch.isinf``; not
        differentiable.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, float("nan"), -float("inf")]).isinf().tolist()
        [False, False, True]
        """
        return self._classified("isinf")

    def isfinite(self):
        """A bool tensor of ``t``'s shape, True where ``t`` is neither NaN nor infinite, as ``torch.isfinite``
        (always True for integer and bool tensors); not differentiable.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, float("nan"), float("inf")]).isfinite().tolist()
        [True, False, False]
        """
        return self._classified("isfinite")

    def _classified(self, name):
        """``xp.isnan`` / ``isinf`` / ``isfinite`` of the tensor's array, as a bool tensor outside the graph (an
        integer or bool tensor holds no NaN and no infinity: its answer is computed without asking the backend,
        which may refuse bools)."""
        xp = self.backend.xp
        if dtype_name(self.dtype).startswith("float"):
            classified = getattr(xp, name)(self.data)
        else:
            classified = xp.full(tuple(self.shape), name == "isfinite", dtype=xp.bool)
        return self._make(classified, self.backend, False, None)

    def _bitwise(self, other, function, symbol, reflected=False):
        """``self <symbol> other`` (``&``, ``|``, ``^``) of bool and integer tensors, as ``torch.bitwise_and`` and
        its siblings: the logical operation on bools, bit by bit on integers, in the promoted dtype (``bool & int8``
        is int8); not differentiable. A float operand is a ``TypeError``, as PyTorch refuses it."""
        from .ops.elementwise import promoted, refuse_torch_tensor  # (ops import this module)

        refuse_torch_tensor(other)
        if not isinstance(other, (float, np.floating)):     # (a float number: refused below, not by _lift)
            other = self._lift(other)
        kinds = dtype_name(self.dtype), dtype_name(other.dtype) if hasattr(other, "dtype") else "float"
        if any(kind.startswith("float") for kind in kinds):
            from .ops.elementwise import float_mask_hint  # (ops import this module)

            hint = float_mask_hint(kinds[0]) or float_mask_hint(kinds[1] if hasattr(other, "dtype") else "")
            raise TypeError(f"`{symbol}` is defined for bool and integer tensors (as in PyTorch), not for floats: "
                            f"received {kinds[0]} {symbol} {kinds[1]}. For masks, compare first: (x > 0) & (y > "
                            f"0).{hint}")
        xp = self.backend.xp
        a, b = promoted(xp, self.data, other.data)
        a, b = (b, a) if reflected else (a, b)
        if "shift" in function:
            if dtype_name(a.dtype) == "bool":
                raise TypeError(f"`{symbol}` shifts the bits of integer tensors (as in PyTorch), not of two bools: "
                                f"received bool {symbol} bool. Cast one first: t.long() {symbol} other")
            return self._make(_shifted(xp, function, a, b), self.backend, False, None)
        return self._make(getattr(xp, function)(a, b), self.backend, False, None)

    def __and__(self, other):
        """``t & other``: logical and of bools, bitwise and of integers (``torch.bitwise_and``).

        >>> import tinygradconv as tg
        >>> m = tg.tensor([True, True, False], dtype="bool")
        >>> (m & tg.tensor([True, False, False], dtype="bool")).tolist(), (tg.tensor([6], dtype="int64") & 3).tolist()
        ([True, False, False], [2])
        """
        return self._bitwise(other, "bitwise_and", "&")

    def __or__(self, other):
        """``t | other``: logical or of bools, bitwise or of integers (``torch.bitwise_or``)."""
        return self._bitwise(other, "bitwise_or", "|")

    def __xor__(self, other):
        """``t ^ other``: logical exclusive or of bools, bitwise of integers (``torch.bitwise_xor``)."""
        return self._bitwise(other, "bitwise_xor", "^")

    def __rand__(self, other):
        return self._bitwise(other, "bitwise_and", "&", reflected=True)

    def __ror__(self, other):
        return self._bitwise(other, "bitwise_or", "|", reflected=True)

    def __rxor__(self, other):
        return self._bitwise(other, "bitwise_xor", "^", reflected=True)

    def __lshift__(self, other):
        """``t << other``: the bits of an integer tensor shifted left, as ``torch.bitwise_left_shift``: ``t * 2 **
        other`` wrapped into the promoted dtype, both operands cast to it first (``int8 << int16`` shifts in int16);
        a shift by the width of that dtype or more, or by a negative amount, gives 0 (as PyTorch and NumPy). A bool
        operand counts as the integer 0 or 1 (``mask << 1`` is int64); not differentiable.

        Raises:
            TypeError: a floating operand, or two bool operands (PyTorch: "lshift_cpu" not implemented for
                'Float' / 'Bool'); a Python amount the tensor's dtype cannot hold (``int8 << 200``, ``uint8 << -1``:
                this package's rule for every number beside an integer tensor, where PyTorch gives 0): pass a
                tensor of a wider dtype, ``t << tg.tensor(200, dtype="int64")``.

        >>> import tinygradconv as tg
        >>> (tg.tensor([1, 3, -8], dtype="int64") << 2).tolist(), (tg.tensor([1], dtype="int64") << 64).tolist()
        ([4, 12, -32], [0])
        """
        return self._bitwise(other, "bitwise_left_shift", "<<")

    def __rshift__(self, other):
        """``t >> other``: the bits of an integer tensor shifted right, as ``torch.bitwise_right_shift``: the
        floor of ``t / 2 ** other`` (the sign bit fills in: ``-8 >> 1 == -4``); a shift by the width of the dtype or
        more gives 0, or -1 for a negative number, as PyTorch and NumPy; in the promoted dtype, as
        :meth:`__lshift__`. Not differentiable; the errors of :meth:`__lshift__` (a Python amount the tensor's dtype
        cannot hold is refused, where PyTorch gives 0 or -1).

        >>> import tinygradconv as tg
        >>> (tg.tensor([8, -8, 5], dtype="int64") >> 1).tolist()
        [4, -4, 2]
        """
        return self._bitwise(other, "bitwise_right_shift", ">>")

    def __rlshift__(self, other):
        return self._bitwise(other, "bitwise_left_shift", "<<", reflected=True)

    def __rrshift__(self, other):
        return self._bitwise(other, "bitwise_right_shift", ">>", reflected=True)

    # ``&=``, ``|=``, ``^=``, ``<<=``, ``>>=``: in place, as ``+=`` (ops.elementwise.in_place; PyTorch's
    # ``bitwise_or_`` and its siblings). Without them Python ran ``m = m | other``: a new tensor, every other name
    # and view of ``m`` unchanged (found by a tester)
    def __iand__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__and__, "&=")

    def __ior__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__or__, "|=")

    def __ixor__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__xor__, "^=")

    def __ilshift__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__lshift__, "<<=")

    def __irshift__(self, other):
        from .ops.elementwise import in_place

        return in_place(self, other, type(self).__rshift__, ">>=")

    def masked_fill(self, mask, value):
        """This tensor with ``value`` where the bool ``mask`` is true, as ``torch.Tensor.masked_fill``:
        :func:`tinygradconv.ops.masking.masked_fill` (the mask broadcasts; ``value`` a number or a rank-0 tensor,
        which gets a gradient too).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, -2.0], [-3.0, 4.0]])
        >>> x.masked_fill(x < 0, 0.0).tolist()
        [[1.0, 0.0], [0.0, 4.0]]
        """
        from .ops.masking import masked_fill  # (ops import this module)

        return masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        """Write ``value`` into this tensor where the bool ``mask`` is true, in place, and return the tensor, as
        ``torch.Tensor.masked_fill_``: the values of :meth:`masked_fill` (its checks of ``mask`` and ``value``), with
        the in-place rules of :meth:`zero_`.

        The mask broadcasts to this tensor's shape, which does not change: a mask that would make the result larger
        is refused, as PyTorch refuses it. The write is counted (:mod:`tinygradconv.in_place`), so a backward pass
        through a graph that saved this tensor before it (``y = x.exp()``, then ``y.masked_fill_(...)`` under
        ``no_grad()``) raises PyTorch's "modified by an inplace operation"; what is computed from the tensor after
        the write gets the gradient of the new values, as in PyTorch.

        While gradients are recorded, on an op's output that requires grad (attention scores ``q @ k.mT``), or
        with a ``value`` tensor that requires grad, the write is recorded as PyTorch records it (see
        :meth:`add_`): the masked positions then get no gradient.

        Raises:
            RuntimeError: a leaf that requires grad, or a view of one (``w[0]``, ``w.T``), while gradients are
                recorded (as PyTorch: "a leaf Variable that requires grad is being used in an in-place operation",
                "a view of a leaf Variable ...").
            TypeError: the errors of :func:`tinygradconv.ops.masking.masked_fill`. (A view of an op's output,
                ``y[0].masked_fill_(...)``, is recorded as PyTorch's ``CopySlices``: :mod:`tinygradconv.copy_slices`.)
            ValueError: a mask whose shape does not broadcast to this tensor's (PyTorch raises ``RuntimeError``);
                and the errors of :func:`tinygradconv.ops.masking.masked_fill`.

        See `torch.Tensor.masked_fill_ <https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill_.html>`__

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, -2.0], [-3.0, 4.0]])
        >>> x.masked_fill_(x < 0, 0.0) is x, x.tolist()
        (True, [[1.0, 0.0], [0.0, 4.0]])
        """
        from .autograd import no_grad
        from .ops.masking import masked_fill  # (ops import this module)
        from .tensor import Tensor

        given = value if isinstance(value, Tensor) else None

        def check(filled):
            if tuple(filled.shape) != tuple(self.shape):
                raise ValueError(f"Invalid value for argument `mask` of masked_fill_: a mask of shape "
                                 f"{tuple(np.shape(mask))} broadcast with the tensor's shape {tuple(self.shape)} gives "
                                 f"{tuple(filled.shape)}, and an in-place write keeps the tensor's shape (as "
                                 f"PyTorch). Use t = t.masked_fill(mask, value) for the broadcast result")

        if _refuse_in_graph_write(self, given, "t.masked_fill_(mask, value)", "t = t.masked_fill(mask, value)",
                                  recordable=True):
            return in_place.record(self, masked_fill, (mask, value), check)
        with no_grad():
            filled = masked_fill(self, mask, value)         # the checks of mask and value, and the new values
        check(filled)
        self[...] = filled              # (t[index] = value: counted as an in-place write)
        return self

    def expand(self, *sizes, size=NOT_GIVEN):
        """This tensor with its dimensions of size 1 stretched, and new leading dimensions, as
        ``torch.Tensor.expand``: :func:`tinygradconv.ops.tiling.expand` (``-1`` keeps a size). The sizes are given
        one by one, as one tuple, or by PyTorch's keyword ``size``.

        Difference from PyTorch: the result is a copy here, a view there. A write into it under ``no_grad()``
        leaves this tensor unchanged and is taken, where PyTorch's, through the view, depends on the write: a
        stretched view's ``mul_`` (``add_``, ``+=`` and the like) is refused ("unsupported operation: more than one
        element of the written-to tensor refers to a single memory location. Please clone() the tensor"), its
        ``zero_()`` or ``fill_`` writes into this tensor, and so does any write into a view that stretched nothing
        (``t.expand(2, 1)`` of a ``(2, 1)`` tensor). Write ``t.expand(...).clone()`` for the copy PyTorch would
        want, and change ``t`` itself where that was meant. While gradients are recorded, a write into an expanded
        leaf that requires grad raises PyTorch's ``RuntimeError`` ("a view of a leaf Variable ...").

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0], [2.0]]).expand(-1, 3).tolist()
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
        """
        from .ops.tiling import expand

        if size is not NOT_GIVEN:
            if sizes:
                raise TypeError(f"Invalid type for argument `size` of expand: the sizes are given either as "
                                f"arguments or as `size`, not both. Received {sizes!r} and size={size!r}")
            sizes = (size,)
        return expand(self, *sizes)

    def expand_as(self, other):
        """This tensor expanded to ``other``'s shape, as ``torch.Tensor.expand_as``: ``self.expand(other.shape)``
        (:meth:`expand`, whose difference from PyTorch it shares: a copy, where PyTorch's is a view; under
        ``no_grad()``, ``x.expand_as(y).mul_(0.0)`` leaves ``x`` unchanged where PyTorch refuses "unsupported
        operation: more than one element of the written-to tensor refers to a single memory location").

        Raises:
            TypeError: ``other`` not a tensor (as PyTorch: "argument 'other' (position 1) must be Tensor").
            ValueError: a shape ``expand`` cannot reach.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0], [2.0]]).expand_as(tg.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])).tolist()
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
        """
        return self.expand(tuple(_tensor_argument(other, "other", "expand_as").shape))

    def view_as(self, other):
        """This tensor in ``other``'s shape, as ``torch.Tensor.view_as``: ``self.view(other.shape)`` (:meth:`view`;
        the dtype stays this tensor's).

        Difference from PyTorch, that of :meth:`view`: a tensor whose memory layout allows no view (a transposed
        one: ``x.swapaxes(0, 2).view_as(x.reshape(24))`` for ``x`` of shape ``(2, 3, 4)``) is copied here, where
        PyTorch raises ``RuntimeError`` ("view size is not compatible with input tensor's size and stride ... Use
        .reshape(...) instead"); the values are the same as ``reshape``'s.

        Raises:
            TypeError: ``other`` not a tensor (as PyTorch). ValueError: another number of elements.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0, 3.0, 4.0]).view_as(tg.tensor([[0, 0], [0, 0]], dtype="int64")).tolist()
        [[1.0, 2.0], [3.0, 4.0]]
        """
        return self.view(tuple(_tensor_argument(other, "other", "view_as").shape))

    def narrow(self, dim=NOT_GIVEN, start=NOT_GIVEN, length=NOT_GIVEN, *, axis=NOT_GIVEN):
        """``length`` elements along ``dim`` from ``start``, as ``torch.Tensor.narrow``
        (:func:`tinygradconv.ops.shape.narrow`: a slice, a view as in PyTorch). ``axis`` is accepted for ``dim``,
        as PyTorch accepts it; all three are required, as there.

        Raises:
            TypeError: ``dim``, ``start`` or ``length`` missing; both ``dim`` and ``axis``.

        >>> import tinygradconv as tg
        >>> tg.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]).narrow(1, 1, 2).tolist()
        [[1.0, 2.0], [4.0, 5.0]]
        """
        from .ops.shape import narrow

        dim, _ = dim_or_axis("narrow", dim, axis, required=True)
        for name, value in (("start", start), ("length", length)):
            if value is NOT_GIVEN:
                raise TypeError(f"narrow() missing its required argument `{name}` (as PyTorch): "
                                "x.narrow(dim, start, length)")
        return narrow(self, dim, start, length)

    def movedim(self, source, destination):
        """The dimensions ``source`` moved to ``destination`` (ints or sequences of ints), as
        ``torch.Tensor.movedim`` (:func:`tinygradconv.ops.shape.movedim`, a view as in PyTorch).

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> tg.tensor(np.zeros((2, 3, 4))).movedim(0, -1).shape
        (3, 4, 2)
        """
        from .ops.shape import movedim

        return movedim(self, source, destination)

    def moveaxis(self, source, destination):
        """:meth:`movedim` by its NumPy name, as ``torch.Tensor.moveaxis`` (errors name ``moveaxis``)."""
        from .ops.shape import movedim

        return movedim(self, source, destination, op="moveaxis")

    def swapaxes(self, axis0, axis1):
        """Dimensions ``axis0`` and ``axis1`` swapped, as ``torch.Tensor.swapaxes`` (``transpose(axis0, axis1)``,
        a view as in PyTorch).

        Raises:
            TypeError: an axis not an int. IndexError: an axis out of range (also a ``ValueError``).

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> tg.tensor(np.zeros((2, 3, 4))).swapaxes(0, 2).shape
        (4, 3, 2)
        """
        return _swapped(self, axis0, axis1, "swapaxes", ("axis0", "axis1"))

    def swapdims(self, dim0, dim1):
        """:meth:`swapaxes` by its other PyTorch name, ``torch.Tensor.swapdims`` (errors name ``swapdims``)."""
        return _swapped(self, dim0, dim1, "swapdims", ("dim0", "dim1"))

    def ravel(self):
        """This tensor's elements in one dimension, in row-major order, as ``torch.Tensor.ravel``
        (``reshape(-1)``: a view where the memory allows it, as in PyTorch; a rank-0 tensor gives shape ``(1,)``).

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).ravel().tolist(), tg.tensor(5.0).ravel().shape
        ([1.0, 2.0, 3.0, 4.0], (1,))
        """
        return self.reshape(-1)

    def unflatten(self, dim, sizes):
        """Dimension ``dim`` split into dimensions of ``sizes`` (one may be -1), as ``torch.Tensor.unflatten``
        (:func:`tinygradconv.ops.shape.unflatten`, a reshape: a view as in PyTorch).

        >>> import numpy as np
        >>> import tinygradconv as tg
        >>> tg.tensor(np.zeros((2, 6))).unflatten(-1, (2, 3)).shape
        (2, 2, 3)
        """
        from .ops.shape import unflatten

        return unflatten(self, dim, sizes)

    def repeat(self, *repeats):
        """This tensor tiled ``repeats[i]`` times along dimension ``i``, as ``torch.Tensor.repeat`` (NumPy's
        ``np.tile``): :func:`tinygradconv.ops.tiling.repeat`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0]).repeat(2, 2).tolist()
        [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]]
        """
        from .ops.tiling import repeat

        return repeat(self, *repeats)

    def chunk(self, chunks, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """At most ``chunks`` nearly equal pieces along ``dim`` (default 0; ``axis`` its alias, as PyTorch accepts
        it), as ``torch.Tensor.chunk``: a tuple of tensors (:func:`tinygradconv.ops.splitting.chunk`).

        >>> import tinygradconv as tg
        >>> [p.tolist() for p in tg.tensor([1.0, 2.0, 3.0]).chunk(2)]
        [[1.0, 2.0], [3.0]]
        """
        from .ops.splitting import chunk

        return chunk(self, chunks, dim, axis=axis)

    def tensor_split(self, indices_or_sections=NOT_GIVEN, dim=NOT_GIVEN, *, axis=NOT_GIVEN, sections=NOT_GIVEN,
                     indices=NOT_GIVEN, tensor_indices_or_sections=NOT_GIVEN):
        """This tensor cut along ``dim`` (default 0; ``axis`` its alias, as PyTorch accepts it) into
        ``indices_or_sections`` pieces (an int: the first ``L % n`` one longer) or at the indices listed, as
        ``torch.Tensor.tensor_split``: a tuple of tensors (:func:`tinygradconv.ops.splitting.tensor_split`, which
        also takes PyTorch's keywords ``sections=``, ``indices=`` and ``tensor_indices_or_sections=``).

        >>> import tinygradconv as tg
        >>> [p.tolist() for p in tg.tensor([1.0, 2.0, 3.0, 4.0]).tensor_split(3)]
        [[1.0, 2.0], [3.0], [4.0]]
        """
        from .ops.splitting import tensor_split

        return tensor_split(self, indices_or_sections, dim, axis=axis, sections=sections, indices=indices,
                            tensor_indices_or_sections=tensor_indices_or_sections)

    def split(self, split_size_or_sections=NOT_GIVEN, dim=0, *, split_size=NOT_GIVEN):
        """Consecutive pieces along ``dim``, each of ``split_size_or_sections`` elements (the last one smaller) or of
        the listed sizes, as ``torch.Tensor.split``: a tuple of tensors (:func:`tinygradconv.ops.splitting.split`).
        ``split_size`` is the keyword ``torch.Tensor.split`` names it by.

        >>> import tinygradconv as tg
        >>> [p.tolist() for p in tg.tensor([1.0, 2.0, 3.0]).split([2, 1])]
        [[1.0, 2.0], [3.0]]
        """
        from .ops.splitting import split

        if split_size is not NOT_GIVEN:
            if split_size_or_sections is not NOT_GIVEN:
                raise TypeError("Invalid type for argument `split_size` of split: give the sizes once, as "
                                "split_size_or_sections or as split_size")
            split_size_or_sections = split_size
        if split_size_or_sections is NOT_GIVEN:
            raise TypeError("Invalid type for argument `split_size_or_sections` of split: missing; give the size of "
                            "the pieces or a list of sizes, e.g. x.split(2)")
        return split(self, split_size_or_sections, dim)

    def unbind(self, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """The slices of this tensor along ``dim`` (default 0), that dimension removed, as ``torch.Tensor.unbind``: a
        tuple of tensors (:func:`tinygradconv.ops.splitting.unbind`), each with the gradient of a slice. ``axis`` is
        accepted for ``dim``, as PyTorch accepts it.

        >>> import tinygradconv as tg
        >>> [row.tolist() for row in tg.tensor([[1.0, 2.0], [3.0, 4.0]]).unbind()]
        [[1.0, 2.0], [3.0, 4.0]]
        """
        from .ops.splitting import unbind

        return unbind(self, dim=dim, axis=axis)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The ``p``-norm over ``dim`` (every dimension by default), as ``torch.Tensor.norm``:
        :func:`tinygradconv.ops.norms.norm` (``"fro"``, the default, is the 2-norm; ``p`` any real number, ``inf``
        or ``-inf``), with PyTorch's gradients (0 at an all-zero input); ``dtype``, a float not narrower than the
        tensor's, is the dtype it is computed and returned in (``x.norm(dtype="float64")``).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[3.0, 4.0], [0.0, 0.0]], dtype="float64", requires_grad=True)
        >>> x.norm(dim=1).tolist(), x.norm(p=1).item()
        ([5.0, 0.0], 7.0)
        >>> x.norm(dim=1).sum().backward()
        >>> x.grad.tolist()
        [[0.6, 0.8], [0.0, 0.0]]
        """
        from .ops.norms import norm

        return norm(self, p, dim, keepdim, dtype=dtype)

    def prod(self, axis=None, keepdims=NOT_GIVEN, *, dim=None, keepdim=None):
        """Product over ``axis`` (or PyTorch's ``dim``/``keepdim``): :func:`tinygradconv.ops.reduction.prod`.

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(dim=1).tolist()
        [2.0, 12.0]
        """
        from .ops import reduction  # (ops import this module)

        return reduction.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def cumsum(self, axis=NOT_GIVEN, *, dim=None, dtype=None):
        """Running sum along ``axis`` (or PyTorch's ``dim``), in ``dtype`` if given (``x`` cast to it first, as
        ``torch.Tensor.cumsum``): :func:`tinygradconv.ops.cumulative.cumsum`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0, 3.0]).cumsum(0).tolist()
        [1.0, 3.0, 6.0]
        """
        from .ops import cumulative  # (ops import this module)

        return cumulative.cumsum(self, axis, dim=dim, dtype=dtype)

    def cumprod(self, axis=NOT_GIVEN, *, dim=None, dtype=None):
        """Running product along ``dim``, in ``dtype`` if given (``x`` cast to it first), as
        ``torch.Tensor.cumprod``: :func:`tinygradconv.ops.cumulative.cumprod`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0, 3.0]).cumprod(0).tolist(), tg.tensor([1, 2, 3]).cumprod(0, dtype="float32").tolist()
        ([1.0, 2.0, 6.0], [1.0, 2.0, 6.0])
        """
        from .ops import cumulative  # (ops import this module)

        return cumulative.cumprod(self, axis, dim=dim, dtype=dtype)

    def logcumsumexp(self, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """``log(cumsum(exp(t)))`` along ``dim`` (or its alias ``axis``, as PyTorch accepts it), as
        ``torch.Tensor.logcumsumexp``: :func:`tinygradconv.ops.cumulative.logcumsumexp`.

        >>> import tinygradconv as tg
        >>> [round(v, 4) for v in tg.tensor([0.0, 0.0]).logcumsumexp(0).tolist()]
        [0.0, 0.6931]
        """
        from .ops import cumulative

        return cumulative.logcumsumexp(self, dim_or_axis("logcumsumexp", dim, axis, required=True)[0])

    def cummax(self, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """The running maximum along ``dim`` (or its alias ``axis``, as PyTorch accepts it) and its indices,
        ``(values, indices)``, as ``torch.Tensor.cummax``: :func:`tinygradconv.ops.cumulative.cummax`.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 3.0, 2.0]).cummax(0).indices.tolist()
        [0, 1, 1]
        """
        from .ops import cumulative

        return cumulative.cummax(self, dim_or_axis("cummax", dim, axis, required=True)[0])

    def cummin(self, dim=NOT_GIVEN, *, axis=NOT_GIVEN):
        """The running minimum along ``dim`` (or its alias ``axis``) and its indices, as ``torch.Tensor.cummin``:
        :func:`tinygradconv.ops.cumulative.cummin`.

        >>> import tinygradconv as tg
        >>> tg.tensor([3.0, 1.0, 2.0]).cummin(0).values.tolist()
        [3.0, 1.0, 1.0]
        """
        from .ops import cumulative

        return cumulative.cummin(self, dim_or_axis("cummin", dim, axis, required=True)[0])

    def nansum(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The sum over ``dim`` with NaN read as 0, as ``torch.Tensor.nansum``:
        :func:`tinygradconv.ops.nan_reductions.nansum`. ``axis`` and ``keepdims`` are accepted for ``dim`` and
        ``keepdim``, as PyTorch accepts them.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, float("nan"), 2.0]).nansum().item()
        3.0
        """
        from .ops import nan_reductions

        dim, keepdim = dim_and_keepdim("nansum", dim, axis, keepdim, keepdims)
        return nan_reductions.nansum(self, dim=dim, keepdim=keepdim)

    def nanmean(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The mean over ``dim`` of the elements that are not NaN, as ``torch.Tensor.nanmean``:
        :func:`tinygradconv.ops.nan_reductions.nanmean`. ``axis`` and ``keepdims`` are accepted for ``dim`` and
        ``keepdim``, as PyTorch accepts them.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, float("nan"), 2.0]).nanmean().item()
        1.5
        """
        from .ops import nan_reductions

        dim, keepdim = dim_and_keepdim("nanmean", dim, axis, keepdim, keepdims)
        return nan_reductions.nanmean(self, dim=dim, keepdim=keepdim)

    def count_nonzero(self, dim=DEFAULT_NONE, *, axis=NOT_GIVEN):
        """The int64 number of nonzero elements over ``dim`` (or its alias ``axis``, as PyTorch accepts it), as
        ``torch.Tensor.count_nonzero``: :func:`tinygradconv.ops.nan_reductions.count_nonzero`.

        >>> import tinygradconv as tg
        >>> tg.tensor([[0.0, 1.0], [2.0, 3.0]]).count_nonzero(dim=0).tolist()
        [1, 2]
        """
        from .ops import nan_reductions

        return nan_reductions.count_nonzero(self, dim=dim_or_axis("count_nonzero", dim, axis)[0])

    def aminmax(self, *, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """``(min, max)`` over ``dim``, as ``torch.Tensor.aminmax``: :func:`tinygradconv.ops.order_statistics.aminmax`.
        ``axis`` and ``keepdims`` are accepted for ``dim`` and ``keepdim``, as PyTorch accepts them.

        >>> import tinygradconv as tg
        >>> low, high = tg.tensor([3.0, 1.0, 2.0]).aminmax()
        >>> low.item(), high.item()
        (1.0, 3.0)
        """
        from .ops import order_statistics

        dim, keepdim = dim_and_keepdim("aminmax", dim, axis, keepdim, keepdims)
        return order_statistics.aminmax(self, dim=dim, keepdim=keepdim)

    def median(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """PyTorch's median, as ``torch.Tensor.median``: the *lower* of the two middle values of an even count
        (``tg.ops.median`` is Keras', their mean); with a ``dim``, a ``(values, indices)`` pair. NaN where the slice
        holds NaN. :func:`tinygradconv.ops.order_statistics.torch_median`. ``axis`` and ``keepdims`` are accepted
        for ``dim`` and ``keepdim``, as PyTorch accepts them.

        Raises:
            TypeError: as PyTorch: ``keepdim`` without a ``dim`` (the median of every element has none), a ``dim``
                that is not an int (None too: leave it out for the median of every element), a ``keepdim`` that is
                not True or False; both ``dim`` and ``axis``, or ``keepdim`` and ``keepdims``.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0, 3.0, 4.0]).median().item(), tg.ops.median(tg.tensor([1.0, 2.0, 3.0, 4.0])).item()
        (2.0, 2.5)
        >>> tg.tensor([[1.0, 5.0, 3.0]]).median(dim=1).indices.tolist()
        [2]
        """
        from .ops import order_statistics

        if not (given(dim) or given(axis)):         # PyTorch's median() of every element takes no keepdim
            if given(keepdim) or given(keepdims):
                name, value = ("keepdim", keepdim) if given(keepdim) else ("keepdims", keepdims)
                raise TypeError(f"median() missing its argument `dim` (or its alias `axis`): PyTorch's median() of "
                                f"every element takes no {name}. Received {name}={value!r}; write x.median(dim=..., "
                                f"{name}={value!r}) for one median per slice, or x.median() for that of every element")
            return order_statistics.torch_median(self)
        dim, keepdim = dim_and_keepdim("median", dim, axis, keepdim, keepdims)
        if dim is None:         # which torch_median reads as every element
            raise TypeError("median(): `dim` (or its alias `axis`) must be an int, as in PyTorch (it refuses None). "
                            "Received None; write x.median() for the median of every element")
        return order_statistics.torch_median(self, dim, keepdim)

    def argmax(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The index of the maximum, as ``torch.argmax``: int64, not differentiable.

        ``dim=None``: the index into the flattened tensor (rank 0, or every dimension of size 1 with
        ``keepdim=True``). An int ``dim``: one index per slice along ``dim``, which is removed (kept with size 1
        with ``keepdim=True``). Ties give the first index. NaN counts as the maximum, as in PyTorch: a slice
        holding NaN gives the index of its first NaN. A rank-0 tensor gives 0. ``dim`` defaults to None and
        ``keepdim`` to False; ``axis`` and ``keepdims`` are accepted for them, as PyTorch accepts them, and errors
        name the spelling that was given.

        Raises:
            TypeError: a ``dim`` that is not None or an int (a tuple too), a ``keepdim`` that is not a bool, a bool
                tensor (as PyTorch; cast it first, e.g. ``x.astype("uint8")``), both ``dim`` and ``axis`` (even
                ``dim=None``), both ``keepdim`` and ``keepdims`` (even ``keepdim=False``), as PyTorch refuses them.
            IndexError: a ``dim`` out of ``[-ndim, ndim - 1]``, an empty tensor with ``dim=None``, or a ``dim`` of
                size 0, as PyTorch.

        See https://pytorch.org/docs/stable/generated/torch.argmax.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 3.0, 3.0], [float("nan"), 9.0, 0.0]])
        >>> x.argmax().item(), x.argmax(dim=1).tolist(), x.argmax(dim=0, keepdim=True).tolist()
        (3, [1, 0], [[1, 1, 0]])
        >>> str(x.argmax().dtype)
        'int64'
        """
        return _first_extreme(self, "argmax", dim_or_axis("argmax", dim, axis),
                              keepdim_or_keepdims("argmax", keepdim, keepdims))

    def argmin(self, dim=DEFAULT_NONE, keepdim=DEFAULT_FALSE, *, axis=NOT_GIVEN, keepdims=NOT_GIVEN):
        """The index of the minimum, as ``torch.argmin``: as :meth:`argmax` with the minimum (NaN counts as the
        minimum, as in PyTorch: a slice holding NaN gives the index of its first NaN; ties give the first index).

        See https://pytorch.org/docs/stable/generated/torch.argmin.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 0.0, 0.0], [float("nan"), -9.0, 0.0]])
        >>> x.argmin().item(), x.argmin(dim=1).tolist(), x.argmin(dim=-1, keepdim=True).tolist()
        (3, [1, 0], [[1], [0]])
        """
        return _first_extreme(self, "argmin", dim_or_axis("argmin", dim, axis),
                              keepdim_or_keepdims("argmin", keepdim, keepdims))

    def max(self, *positional, axis=None, keepdims=NOT_GIVEN, dim=None, keepdim=None, other=None):
        """The maximum over ``axis`` (every axis by default), the values only, as Keras' ``ops.max``:
        :func:`tinygradconv.ops.reduction.max`. Its gradient is split evenly between tied maxima: over named axes
        as ``torch.amax(x, dim)`` (NaN throughout a slice holding NaN); with no axis as ``torch.max(x)`` (the NaN
        elements share it where there are any, every other element gets ``+0.0``: ``tensor([1., nan]).max()`` has
        gradient ``[0., 1.]``, ``torch.amax`` ``[nan, nan]``); ``axis=()`` reduces no axis, ``x`` itself with the
        gradient unchanged, as Keras (``torch.amax(x, dim=())`` reduces every dim).

        The axis is given by keyword only. PyTorch's ``x.max(1)`` and ``x.max(dim=1)`` return a (values, indices)
        pair, and NumPy's ``a.max(1)`` the values: the same call would give different results, and unpacking
        ``v, i = x.max(1)`` would even succeed on two rows with wrong numbers. So a positional axis and ``dim=``
        are a ``TypeError`` that says what to write: ``x.max(axis=1)`` for the values, ``x.argmax(dim=1)`` for
        the indices. ``keepdim`` (PyTorch's) is accepted for ``keepdims``. A Tensor given positionally,
        ``x.max(other)`` (or ``x.max(other=t)``), is PyTorch's element-wise maximum (:meth:`maximum`: the
        gradient split evenly at ties).

        Raises:
            TypeError: a positional axis, or ``dim=``.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 9.0, 3.0], [4.0, 2.0, 8.0]])
        >>> x.max().item(), x.max(axis=1).tolist(), x.argmax(dim=1).tolist()
        (9.0, [9.0, 8.0], [1, 2])
        >>> x.max(1)
        Traceback (most recent call last):
        ...
        TypeError: x.max(1): give the axis by keyword. ...
        """
        # imported here, not at the top: tensor.py imports this module before the ops exist (as in clone)
        from .ops import reduction

        if other is not None:                           # PyTorch's x.max(other=t)
            positional = (*positional, other)
        if _other_tensor(positional, axis, keepdims, dim, keepdim):
            return self.maximum(positional[0])          # PyTorch's x.max(other): torch.maximum
        _refuse_positional_axis("max", positional)
        return reduction.max(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def min(self, *positional, axis=None, keepdims=NOT_GIVEN, dim=None, keepdim=None, other=None):
        """The minimum over ``axis``, the values only, as Keras' ``ops.min``: as :meth:`max` (the axis by keyword
        only; ``x.argmin(dim=1)`` for the indices), its gradient ``torch.amin(x, dim)``'s over named axes and
        ``torch.min(x)``'s with no axis; ``x.min(other)`` with a Tensor ``other`` is PyTorch's element-wise minimum
        (:meth:`minimum`).

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 9.0, 3.0], [4.0, 2.0, 8.0]]).min(axis=0).tolist()
        [1.0, 2.0, 3.0]
        """
        from .ops import reduction

        if other is not None:                           # PyTorch's x.min(other=t)
            positional = (*positional, other)
        if _other_tensor(positional, axis, keepdims, dim, keepdim):
            return self.minimum(positional[0])          # PyTorch's x.min(other): torch.minimum
        _refuse_positional_axis("min", positional)
        return reduction.min(self, axis, keepdims, dim=dim, keepdim=keepdim)

    # ------------------------------------------------------------------------------------------------------------
    # PyTorch's first spellings, from its "Learn the basics" pages: add/sub/mul/div/matmul as methods (and their
    # in-place add_/sub_/mul_/div_), var/std, square, type(), device and grad_fn. (One group, kept apart from the
    # methods above.)

    def add(self, other, *, alpha=1):
        """``self + alpha * other``, as ``torch.Tensor.add`` (``other`` a tensor or a number, broadcasting), with
        the gradients of ``+`` and ``*`` (the output gradient to ``self``, ``alpha`` times it to ``other``).

        Rounding, as PyTorch's CPU kernel. ``alpha`` and ``other`` are first converted to the result's dtype (the
        dtype of ``self + other``: a float16 ``other`` beside a float64 tensor is scaled in float64, a bool mask
        beside a float32 tensor gives float32). A float32 result is rounded once from the exact sum, as PyTorch's
        float32 fused multiply-add (``x.add(0.1, alpha=0.1)`` is ``x + float32(0.1) * float32(0.1)``):
        :func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float32`, which computes in float64 (the
        product exact) and rounds again from the exact sum the rare float64 sums that lie exactly half way between
        two float32 numbers (rounding twice there differed from PyTorch in half of such elements); a float16 one
        in float32, as PyTorch's vector loop computes it, rounded to float32 and then to float16. Both are bit for
        bit PyTorch's on 10**6 random elements of every pair of float16/float32 operands (one PyTorch thread); the
        float16 elements PyTorch's vector loop leaves over (a tensor of under 32 elements, up to 31 at the end of
        each thread's share) it computes as ``self + float16(alpha * other)``, rounding twice: about 6% of them
        differ from ours. Rounding ``alpha * other`` first and then the sum, as this method did, differed from
        PyTorch in 9 to 28% of float32 elements, by up to 7e-4 relative near cancellation. A float64 result is
        rounded once too, as PyTorch's kernel (a fused multiply-add) rounds it, though there is no wider dtype to
        compute in: :func:`~tinygradconv.ops.fused_multiply_add.multiply_add` (an exact product and sum built of float64
        operations), bit for bit PyTorch's on 10**6 random elements of tensor operands (broadcast along a dimension
        other than the last, near cancellation, ties, NaN, infinities, signed zeros, products that overflow;
        checked against exact fractions), where rounding twice differed from it in 10 to 25% of elements for
        alpha 0.1. It costs: ``x.add(y, alpha=0.1)`` of float64 vectors took about 45 us (100 elements) and
        11 ms (10**6) on a 2-core AMD EPYC, one thread, where PyTorch takes 2 us and 0.45 ms; since s50 (the fast
        way of :mod:`~tinygradconv.ops.fused_multiply_add`) 0.5 to 0.85 times that from 10**4 elements up, and
        float32 (an exact float32 fma now) 0.44 ms for 10**5 elements and 4.2 ms for 10**6, where PyTorch takes
        0.03 and 0.24 ms (measured alternating the versions, under load). An ``alpha`` of 0
        or plus or minus a power of two (``2``, ``0.5``, ``-4``) makes ``alpha * other`` exact, so plain
        ``self + alpha * other`` is already rounded once and is what is computed (``x.add(y, alpha=2.0)`` of
        10**6 float64 elements: 0.75 ms on the same machine); in float32 too, ``alpha`` +-1 or a power of two
        (``x + alpha * y`` in float32, exact in the product unless it leaves float32's range, which is tested:
        :func:`_plain_sum_if_exact`), and float32 arrays of up to 8192 elements take fresh arrays, no scratch buffers
        (:func:`~tinygradconv.ops.fused_multiply_add._fast_float32`). Left as PyTorch does not round: a nonzero
        product under ``2**-900`` (rounded twice here; see ``multiply_add``); and for a number ``other``
        (``x.add(0.3, alpha=3)``), or a tensor ``other`` broadcast along the last dimension (shape ``(..., 1)``,
        which PyTorch's kernel takes as a number in each row), PyTorch rounds twice, ``x + round(alpha * other)``,
        in the elements its vector loop leaves over (the last few of each thread's share, or of each row), in every
        floating dtype: those may differ from ours,
        which is the exact result rounded once, in the last bit (``x`` of shape ``(1000, 13)`` plus ``y`` of shape
        ``(1000, 1)``, alpha 0.1: 434 of the 13 000 float64 elements, 1052 float32, 1420 float16).
        ``alpha=1`` is plain ``self + other``. With two bool operands the result is bool, ``alpha``
        taken as a bool, as PyTorch: ``self | other`` for an ``alpha`` other than 0, else ``self``.

        Raises:
            TypeError: a float ``alpha`` with integer operands (as PyTorch: "For integral input tensors, argument
                alpha must not be a floating point number"), a bool ``alpha`` with operands that are not both bool
                (PyTorch: "Boolean alpha only supported for Boolean results"), an ``alpha`` that is not a number;
                and the errors of ``+``.
            ValueError: an ``alpha`` that the result's dtype cannot hold (``1e40`` for float32, ``65505`` for
                float16, ``2**31`` for int32; PyTorch: "value cannot be converted to type float without
                overflow").

        See https://pytorch.org/docs/stable/generated/torch.add.html

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0]).add(tg.tensor([10.0, 20.0]), alpha=0.5).tolist()
        [6.0, 12.0]
        """
        if alpha.__class__ is int and alpha == 1:   # the common call x.add(y): plain +, no checks of alpha
            return self + other
        return _plus_alpha_times(self, other, alpha, "add")

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``, as ``torch.Tensor.sub``: the arguments, rounding (once, as PyTorch's) and errors
        of :meth:`add` (a bool tensor or a bool ``other`` is refused, as ``-`` and PyTorch refuse them).

        Computed as PyTorch computes it, ``self + (-alpha) * other`` (its ``add`` of ``-alpha``), which differs from
        ``self - alpha * other`` only in the sign of a zero, for an integer ``alpha`` of 0 (negated, ``+0``):
        ``x.sub(y, alpha=0)`` is ``x + 0 * y``, so ``-0.0`` minus ``0.0`` gives ``0.0``.

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0]).sub(1.0, alpha=2).tolist()
        [-1.0, 0.0]
        >>> tg.tensor([-0.0, -0.0]).sub(tg.tensor([0.0, -0.0]), alpha=0).tolist()
        [0.0, -0.0]
        """
        if alpha.__class__ is int and alpha == 1:
            return self - other
        return _plus_alpha_times(self, other, alpha, "sub")

    def mul(self, other):
        """``self * other``, as ``torch.Tensor.mul`` (``*``, broadcasting, with its gradients).

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0]).mul(3).tolist()
        [3.0, 6.0]
        """
        return self * other

    def div(self, other, *, rounding_mode=None):
        """``self / other``, as ``torch.Tensor.div``: true division (``/``: integer tensors give floats) when
        ``rounding_mode`` is None; ``"trunc"`` rounds the quotient towards zero and ``"floor"`` towards minus
        infinity, integers staying integers (:func:`~tinygradconv.ops.rounded_division.rounded_div`; their gradient
        is ``0 * grad``, as PyTorch's).

        Raises:
            ValueError: another ``rounding_mode``. ZeroDivisionError: an integer division by zero with a rounding
                mode (as PyTorch); and the errors of ``/``.

        See https://pytorch.org/docs/stable/generated/torch.div.html

        >>> import tinygradconv as tg
        >>> x = tg.tensor([-7, 7], dtype="int64")
        >>> x.div(2).tolist(), x.div(2, rounding_mode="trunc").tolist(), x.div(2, rounding_mode="floor").tolist()
        ([-3.5, 3.5], [-3, 3], [-4, 3])
        """
        if rounding_mode is None:
            return self / other
        from .ops.rounded_division import rounded_div

        return rounded_div(self, other, rounding_mode)

    def matmul(self, other):
        """``self @ other``, as ``torch.Tensor.matmul`` (:func:`tinygradconv.ops.matmul`: 1-D operands are vectors,
        more dimensions are batches).

        >>> import tinygradconv as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).matmul(tg.tensor([1.0, 1.0])).tolist()
        [3.0, 7.0]
        """
        return self @ other

    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place, and return ``self``, as ``torch.Tensor.add_``.

        In-place rules (those of ``t[index] = value``, :meth:`zero_` and PyTorch's): the values are written into
        this tensor's memory (views and ``t.numpy()`` see them) where that stays outside the autograd graph: a
        tensor that does not require grad, given an ``other`` that does not, or any tensor under
        ``tg.no_grad()`` (a parameter updated by hand: ``w.sub_(lr * w.grad)``). The write is counted, so a
        ``backward()`` through a graph that saved the old values raises ``RuntimeError``, as PyTorch's "modified by
        an inplace operation". The result keeps this tensor's shape and dtype.

        While gradients are recorded, on an op's output that requires grad (``y = x * 2; y.add_(1)``), or with an
        ``other`` that requires grad, the write is recorded in the graph as PyTorch records it
        (:func:`tinygradconv.in_place.record`): ``y.grad_fn`` becomes the op's node (``<AddBackward>``, where
        PyTorch prints ``AddBackward0``), whose input is ``y``'s value before the write; nodes recorded before
        it still read that value, and a backward pass that needs a value written over raises PyTorch's
        "modified by an inplace operation" (``y = x.exp(); y.add_(1)``: exp saved its output). On a view of an
        op's output (``y[0].add_(1)``, ``y.T[1:].add_(w)``) the result is written into the view's region of the
        base ``y``, recorded as PyTorch's ``CopySlices`` (:mod:`tinygradconv.copy_slices`).

        Raises:
            RuntimeError: a leaf that requires grad, or a view of one (``w[0]``, ``w.T``), while gradients are
                recorded (as PyTorch: "a leaf Variable that requires grad is being used in an in-place operation",
                "a view of a leaf Variable ..."); an ``expand`` of an op's output stretched along an axis (each
                element of the op's output twice), or a view of a piece of ``split``/``chunk``/``unbind``, as
                PyTorch.
            TypeError: a result that this tensor's dtype cannot hold (a float into an integer tensor, a number into a
                bool one: PyTorch's "result type Float can't be cast to the desired output type Long").
            ValueError: an ``other`` that broadcasting would give another shape (PyTorch: "output with shape [3]
                doesn't match the broadcast shape [2, 3]").

        >>> import tinygradconv as tg
        >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> with tg.no_grad():
        ...     _ = w.add_(tg.tensor([0.5, 0.5]), alpha=-2)
        >>> w
        tensor([0., 1.], dtype=float32, requires_grad=True)
        >>> y = w * 2
        >>> y.add_(1).grad_fn, y.tolist()
        (<AddBackward>, [1.0, 3.0])
        >>> y.sum().backward()
        >>> w.grad.tolist()
        [2.0, 2.0]
        """
        return write_in_place(self, "add_", lambda base, other: base.add(other, alpha=alpha), (other,), ("other",))

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place, and return ``self``, as ``torch.Tensor.sub_`` (the rules and errors
        of :meth:`add_`).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 2.0])
        >>> x.sub_(1.0) is x, x.tolist()
        (True, [0.0, 1.0])
        """
        return write_in_place(self, "sub_", lambda base, other: base.sub(other, alpha=alpha), (other,), ("other",))

    def mul_(self, other):
        """``self *= other`` in place, and return ``self``, as ``torch.Tensor.mul_`` (the rules and errors of
        :meth:`add_`).

        >>> import tinygradconv as tg
        >>> tg.tensor([1.0, 2.0]).mul_(3).tolist()
        [3.0, 6.0]
        """
        return write_in_place(self, "mul_", lambda base, other: base.mul(other), (other,), ("other",))

    def div_(self, other, *, rounding_mode=None):
        """``self /= other`` in place (rounded with ``rounding_mode``, as :meth:`div`), and return ``self``, as
        ``torch.Tensor.div_`` (the rules and errors of :meth:`add_`: an integer tensor takes only a rounded
        quotient, as PyTorch).

        >>> import tinygradconv as tg
        >>> tg.tensor([7, -7], dtype="int64").div_(2, rounding_mode="floor").tolist()
        [3, -4]
        """
        return write_in_place(self, "div_", lambda base, other: base.div(other, rounding_mode=rounding_mode),
                              (other,), ("other",))

    def var(self, dim=DEFAULT_NONE, unbiased=None, keepdim=DEFAULT_FALSE, *, correction=None, axis=NOT_GIVEN,
            keepdims=NOT_GIVEN):
        """The variance over ``dim``, as ``torch.Tensor.var`` (PyTorch 2.13):
        :func:`tinygradconv.ops.statistics.var`, with ``sum((x - mean)**2) / (n - correction)``, ``correction=1``
        by default (the sample variance). ``axis`` and ``keepdims`` are accepted for ``dim`` and ``keepdim``, as
        PyTorch accepts them.

        Differences from NumPy and Keras: ``np.var(a)``, ``a.var()`` of a NumPy array and ``keras.ops.var`` divide by
        ``n`` (NumPy's ``ddof=0``); write ``x.var(correction=0)`` (or ``unbiased=False``) for that. A one-element
        slice has NaN variance here, with a ``UserWarning``, as in PyTorch.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]])
        >>> [round(v, 4) for v in x.var(1).tolist()], round(x.var(correction=0).item(), 4)
        ([2.3333, 0.0], 0.8889)
        """
        from .ops import statistics

        dim, keepdim = dim_and_keepdim("var", dim, axis, keepdim, keepdims)
        return statistics.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=DEFAULT_NONE, unbiased=None, keepdim=DEFAULT_FALSE, *, correction=None, axis=NOT_GIVEN,
            keepdims=NOT_GIVEN):
        """The standard deviation over ``dim``, ``sqrt(var)``, as ``torch.Tensor.std`` (the arguments of
        :meth:`var`, its ``correction=1`` default included; :func:`tinygradconv.ops.statistics.std`).

        >>> import tinygradconv as tg
        >>> round(tg.tensor([1.0, 2.0, 4.0]).std().item(), 4)
        1.5275
        """
        from .ops import statistics

        dim, keepdim = dim_and_keepdim("std", dim, axis, keepdim, keepdims)
        return statistics.std(self, dim, unbiased, keepdim, correction=correction)

    def square(self):
        """``self * self``, as ``torch.Tensor.square`` (:func:`tinygradconv.ops.square`).

        >>> import tinygradconv as tg
        >>> tg.tensor([-3.0, 0.5]).square().tolist()
        [9.0, 0.25]
        """
        from .ops import square

        return square(self)

    def rsqrt(self):
        """``1 / sqrt(self)``, as ``torch.Tensor.rsqrt`` (:func:`tinygradconv.ops.rsqrt`: d/dx = ``-0.5 * rsqrt(x)**3``;
        ``inf`` at 0, ``-inf`` at ``-0.0``, NaN below 0; an integer or bool tensor gives ``floatx()``, float32 by
        default).

        >>> import tinygradconv as tg
        >>> tg.tensor([4.0, 0.25]).rsqrt().tolist()
        [0.5, 2.0]
        """
        from .ops.elementwise import Rsqrt

        return Rsqrt.apply(self)

    def reciprocal(self):
        """``1 / self``, as ``torch.Tensor.reciprocal`` (:func:`tinygradconv.ops.reciprocal`: d/dx = ``-1 / x**2``;
        ``inf`` at 0, ``-inf`` at ``-0.0``; an integer or bool tensor gives ``floatx()``, float32 by default).

        >>> import tinygradconv as tg
        >>> tg.tensor([2.0, -0.5]).reciprocal().tolist()
        [0.5, -2.0]
        """
        from .ops.elementwise import Reciprocal

        return Reciprocal.apply(self)

    def rsqrt_(self):
        """Replace this tensor's values by ``1 / sqrt(values)`` in place and return it, as ``torch.Tensor.rsqrt_``
        (the values of :meth:`rsqrt`, the in-place rules of :meth:`add_`).

        Raises:
            TypeError: an integer or bool tensor, which cannot hold the float result (PyTorch: "result type Float
                can't be cast to the desired output type Long").
            RuntimeError: a leaf that requires grad, or a view of one, while gradients are recorded.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([4.0, 0.25])
        >>> x.rsqrt_() is x, x.tolist()
        (True, [0.5, 2.0])
        """
        return _float_in_place(self, "rsqrt_", type(self).rsqrt)

    def reciprocal_(self):
        """Replace this tensor's values by ``1 / values`` in place and return it, as ``torch.Tensor.reciprocal_``
        (the values of :meth:`reciprocal`, the in-place rules and errors of :meth:`rsqrt_`).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([2.0, -0.5])
        >>> x.reciprocal_() is x, x.tolist()
        (True, [0.5, -2.0])
        """
        return _float_in_place(self, "reciprocal_", type(self).reciprocal)

    # The trigonometric ops and sign (tinygradconv.ops.trigonometric), with PyTorch's method names: asin/arcsin,
    # acos/arccos and atan/arctan are the same ops under both of PyTorch's spellings.
    def sin(self):
        """``torch.Tensor.sin``: :func:`tinygradconv.ops.sin` (d/dx = cos(x); an integer tensor gives ``floatx()``).

        >>> import tinygradconv as tg
        >>> tg.tensor([0.0]).sin().tolist()
        [0.0]
        """
        return _trigonometric().sin(self)

    def cos(self):
        """``torch.Tensor.cos``: :func:`tinygradconv.ops.cos` (d/dx = -sin(x))."""
        return _trigonometric().cos(self)

    def tan(self):
        """``torch.Tensor.tan``: :func:`tinygradconv.ops.tan` (d/dx = 1 + tan(x)^2)."""
        return _trigonometric().tan(self)

    def asin(self):
        """``torch.Tensor.asin`` (also ``arcsin``): :func:`tinygradconv.ops.arcsin` (d/dx = 1 / sqrt(1 - x^2))."""
        return _trigonometric().arcsin(self)

    def acos(self):
        """``torch.Tensor.acos`` (also ``arccos``): :func:`tinygradconv.ops.arccos` (d/dx = -1 / sqrt(1 - x^2))."""
        return _trigonometric().arccos(self)

    def atan(self):
        """``torch.Tensor.atan`` (also ``arctan``): :func:`tinygradconv.ops.arctan` (d/dx = 1 / (x^2 + 1))."""
        return _trigonometric().arctan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def sign(self):
        """``torch.Tensor.sign``: :func:`tinygradconv.ops.sign`: -1, 0 or 1, of the tensor's dtype (bool stays
        bool), with gradient 0; NaN for NaN, where PyTorch 2.13 gives 0 (see
        :class:`~tinygradconv.ops.trigonometric.Sign`).

        >>> import tinygradconv as tg
        >>> tg.tensor([-2.0, 0.0, 5.0]).sign().tolist()
        [-1.0, 0.0, 1.0]
        """
        return _trigonometric().sign(self)

    # The rounding ops (tinygradconv.ops.rounding), with PyTorch's method names: gradient 0 (frac's 1); an integer
    # tensor is returned unchanged by floor, ceil, round and trunc.
    def floor(self):
        """``torch.Tensor.floor``: :func:`tinygradconv.ops.floor` (gradient 0; an integer tensor unchanged).

        >>> import tinygradconv as tg
        >>> tg.tensor([-1.5, 0.5]).floor().tolist()
        [-2.0, 0.0]
        """
        return _ops_module("rounding").floor(self)

    def ceil(self):
        """``torch.Tensor.ceil``: :func:`tinygradconv.ops.ceil` (gradient 0; an integer tensor unchanged)."""
        return _ops_module("rounding").ceil(self)

    def round(self, decimals=0):
        """``torch.Tensor.round``: :func:`tinygradconv.ops.round`, ties to even (``2.5 -> 2``), to ``decimals``
        places (gradient 0)."""
        return _ops_module("rounding").round(self, decimals=decimals)

    def trunc(self):
        """``torch.Tensor.trunc`` (also ``fix``): :func:`tinygradconv.ops.trunc`, toward 0 (gradient 0)."""
        return _ops_module("rounding").trunc(self)

    fix = trunc

    def frac(self):
        """``torch.Tensor.frac``: :func:`tinygradconv.ops.frac`, ``x - trunc(x)`` (gradient 1; floats only)."""
        return _ops_module("rounding").frac(self)

    # The hyperbolic ops (tinygradconv.ops.hyperbolic): asinh/arcsinh, acosh/arccosh and atanh/arctanh are the same
    # ops under both of PyTorch's spellings.
    def sinh(self):
        """``torch.Tensor.sinh``: :func:`tinygradconv.ops.sinh` (d/dx = cosh(x); an integer tensor gives ``floatx()``).

        >>> import tinygradconv as tg
        >>> tg.tensor([0.0]).sinh().tolist()
        [0.0]
        """
        return _ops_module("hyperbolic").sinh(self)

    def cosh(self):
        """``torch.Tensor.cosh``: :func:`tinygradconv.ops.cosh` (d/dx = sinh(x))."""
        return _ops_module("hyperbolic").cosh(self)

    def asinh(self):
        """``torch.Tensor.asinh`` (also ``arcsinh``): :func:`tinygradconv.ops.arcsinh` (d/dx = 1 / sqrt(x^2 + 1))."""
        return _ops_module("hyperbolic").arcsinh(self)

    def acosh(self):
        """``torch.Tensor.acosh`` (also ``arccosh``): :func:`tinygradconv.ops.arccosh` (d/dx = 1 / sqrt(x^2 - 1))."""
        return _ops_module("hyperbolic").arccosh(self)

    def atanh(self):
        """``torch.Tensor.atanh`` (also ``arctanh``): :func:`tinygradconv.ops.arctanh` (d/dx = 1 / (1 - x^2))."""
        return _ops_module("hyperbolic").arctanh(self)

    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    # Exponentials, logarithms and the binary ops of tinygradconv.ops.exponential (atan2/arctan2: one op).
    def expm1(self):
        """``torch.Tensor.expm1``: :func:`tinygradconv.ops.expm1`, ``exp(x) - 1`` exact near 0."""
        return _ops_module("exponential").expm1(self)

    def exp2(self):
        """``torch.Tensor.exp2``: :func:`tinygradconv.ops.exp2`, ``2**x`` (d/dx = 2**x ln 2)."""
        return _ops_module("exponential").exp2(self)

    def log2(self):
        """``torch.Tensor.log2``: :func:`tinygradconv.ops.log2` (d/dx = 1 / (x ln 2)).

        >>> import tinygradconv as tg
        >>> tg.tensor([8.0]).log2().tolist()
        [3.0]
        """
        return _ops_module("exponential").log2(self)

    def log10(self):
        """``torch.Tensor.log10``: :func:`tinygradconv.ops.log10` (d/dx = 1 / (x ln 10))."""
        return _ops_module("exponential").log10(self)

    def logaddexp(self, other):
        """``torch.Tensor.logaddexp``: :func:`tinygradconv.ops.logaddexp`, ``log(exp(self) + exp(other))``."""
        return _ops_module("exponential").logaddexp(self, other)

    def hypot(self, other):
        """``torch.Tensor.hypot``: :func:`tinygradconv.ops.hypot`, ``sqrt(self**2 + other**2)``."""
        return _ops_module("exponential").hypot(self, other)

    def atan2(self, other):
        """``torch.Tensor.atan2`` (also ``arctan2``): :func:`tinygradconv.ops.arctan2`, the angle of the point
        ``(other, self)``."""
        return _ops_module("exponential").arctan2(self, other)

    arctan2 = atan2

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """Without ``dtype``: PyTorch's name for a tensor of this dtype and device, as ``torch.Tensor.type()``
        returns it (``"torch.FloatTensor"`` for float32, ``"torch.LongTensor"`` for int64, ``"torch.cuda.FloatTensor"``
        on the ``cupy`` backend), so that printed output and ported comparisons read as in PyTorch. It names
        PyTorch's classes, not ours: the dtype's name here is ``tg.backend.dtype_name(t.dtype)`` (``"float32"``, the
        same on every backend; ``str(t.dtype)`` is ``"array_api_strict.float32"`` on ``array_api_strict``).

        With ``dtype`` (a dtype name such as ``"float64"``, a NumPy or PyTorch dtype, one of those PyTorch names, or
        PyTorch's class of that name, ``torch.DoubleTensor``; ``torch.Tensor`` is float32, PyTorch's default):
        this tensor cast to it, as :meth:`~tinygradconv.tensor.Tensor.astype` (differentiable between floating
        dtypes), or the tensor itself when it has that dtype already (as PyTorch). ``non_blocking`` is accepted and
        has no effect (PyTorch's, for copies to a GPU).

        Raises:
            TypeError: an unknown ``dtype`` (PyTorch: "invalid type"), or a keyword PyTorch does not take.
            ValueError: a PyTorch name for another device (``"torch.cuda.FloatTensor"`` on the CPU): move the
                tensor with ``t.to("cupy")``.

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 2.0])
        >>> x.type(), x.type("torch.DoubleTensor").type(), x.type("int64").tolist()
        ('torch.FloatTensor', 'torch.DoubleTensor', [1, 2])
        >>> s = x.to("array_api_strict")
        >>> s.type(), tg.backend.dtype_name(s.dtype), str(s.dtype)
        ('torch.FloatTensor', 'float32', 'array_api_strict.float32')
        """
        if kwargs.keys() - {"async"}:           # PyTorch's older name of non_blocking
            raise TypeError(f"type() got an unexpected keyword argument {min(kwargs.keys() - {'async'})!r}")
        flag(non_blocking, "non_blocking", "type")
        cuda = self.backend.name == "cupy"
        if dtype is None:
            return ("torch.cuda." if cuda else "torch.") + _TORCH_TYPE_NAMES[dtype_name(self.dtype)]
        if isinstance(dtype, type) and getattr(dtype, "__module__", None) in ("torch", "torch.cuda") and \
                dtype.__name__.endswith("Tensor"):   # PyTorch's classes: torch.FloatTensor, read by their names
            dtype = f"{dtype.__module__}.{'FloatTensor' if dtype.__name__ == 'Tensor' else dtype.__name__}"
        if isinstance(dtype, str) and dtype.startswith("torch.") and dtype.endswith("Tensor"):
            on_cuda = dtype.startswith("torch.cuda.")
            kind = dtype[len("torch.cuda." if on_cuda else "torch."):]
            names = {name: dtype for dtype, name in _TORCH_TYPE_NAMES.items()}
            if kind not in names:
                raise TypeError(f"Invalid type for argument `dtype` of type(): {dtype!r} is not one of PyTorch's "
                                f"tensor types ({', '.join('torch.' + n for n in names)})")
            if on_cuda != cuda:
                raise ValueError(f"Invalid value for argument `dtype` of type(): {dtype!r} is a tensor type of "
                                 f"another device than this tensor's ({self.device}); move it with "
                                 f"t.to({'numpy' if cuda else 'cupy'!r}), then cast")
            dtype = names[kind]
        from .tensor import _check_dtype

        return self._cast(_check_dtype(dtype))

    @property
    def device(self):
        """Where the data lives, as ``torch.Tensor.device``: ``"cpu"`` on the ``numpy`` and ``array_api_strict``
        backends and ``"cuda:N"`` on ``cupy`` (GPU number ``N``), a :class:`Device`, a ``str`` with PyTorch's
        attributes ``type`` (``"cpu"``, ``"cuda"``) and ``index`` (None, or ``N``). ``t.to(t.device)`` and
        ``t.to("cpu")`` work as in PyTorch (:meth:`~tinygradconv.tensor.Tensor.to`); the backend itself is
        ``t.backend.name``.

        >>> import tinygradconv as tg
        >>> d = tg.tensor([1.0]).device
        >>> d, str(d), d.type, d == "cpu"
        (device(type='cpu'), 'cpu', 'cpu', True)
        """
        if self.backend.name == "cupy":
            return Device("cuda", int(getattr(self._data.device, "id", 0)))     # CuPy's array knows its GPU
        return Device("cpu")

    @property
    def grad_fn(self):
        """The node that computed this tensor, as ``torch.Tensor.grad_fn``: None for a leaf (a tensor made by the
        user, with or without ``requires_grad``) and for a result outside the graph (under ``no_grad()``, or of
        inputs that do not require grad, or an integer result); else a :class:`BackwardNode` named after the
        package's op (printed ``<MulBackward>`` where PyTorch prints ``<MulBackward0 object at 0x...>``), with
        ``name()`` and ``next_functions`` as PyTorch's (``next_functions`` is empty once a ``backward()`` without
        ``retain_graph=True`` has freed the node, where PyTorch keeps it).

        >>> import tinygradconv as tg
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * 3).sum()
        >>> x.grad_fn, y.grad_fn, y.grad_fn.name()
        (None, <SumBackward>, 'SumBackward')
        >>> y.grad_fn.next_functions
        ((<MulBackward>, 0),)
        """
        ctx = self._ctx
        return None if ctx is None or ctx.fn is None else BackwardNode(ctx)


def _shifted(xp, function, a, b):
    """``a << b`` or ``a >> b`` (``function``: ``bitwise_left_shift``/``right_shift``) of two integer arrays, as
    PyTorch and NumPy: both are first cast to their promoted dtype, the result's, whose width counts (``int8 <<
    int16`` shifts in int16: ``-128 << 8`` is -32768, where the int8 width gave 0, found by a reviewer); a shift by
    that width or more, or by a negative amount, gives 0 to the left and the sign (0, or -1 for a negative number)
    to the right. The Array API leaves those shifts undefined (``array_api_strict`` refuses a negative one), so they
    are clipped first: ``x >> (width - 1)`` is the sign of a signed ``x``."""
    from .ops.elementwise import _cast_to, promoted_dtype  # (ops import this module)

    result = promoted_dtype(a.dtype, b.dtype)
    a, b = _cast_to(xp, a, result), _cast_to(xp, b, result)
    width = xp.iinfo(a.dtype).bits
    beyond = (b < 0) | (b >= width)
    if not hasattr(xp, function):                          # (CuPy names them left_shift / right_shift)
        function = function.replace("bitwise_", "")
    right = function.endswith("right_shift")
    shifted = getattr(xp, function)(a, xp.where(beyond, xp.asarray(width - 1 if right else 0, dtype=b.dtype), b))
    return xp.where(beyond & (a >= 0) if right else beyond, xp.zeros_like(shifted), shifted)


def _matrix_transpose(tensor, name):
    """``tensor.mT`` / ``tensor.mH`` (``name``): the last two dimensions swapped; rank 0 as it is, with PyTorch's
    warning; rank 1 refused, as PyTorch refuses it."""
    if tensor.ndim == 0:
        warnings.warn(f"Tensor.{name} of a 0-d tensor returns it unchanged; PyTorch deprecates it on 0-D tensors. "
                      f"Leave out the .{name}", UserWarning, stacklevel=3)
        return tensor
    if tensor.ndim == 1:
        raise ValueError(f"Invalid value: tensor.{name} is only defined for matrices or batches of matrices (rank 2 "
                         f"or more, as in PyTorch); received a 1-D tensor of shape {tuple(tensor.shape)}. Use "
                         f"x.reshape(1, -1) for a row, x.reshape(-1, 1) for a column")
    order = tuple(range(tensor.ndim - 2)) + (tensor.ndim - 1, tensor.ndim - 2)
    return tensor.permute(order)


def _checked_data(tensor, value):
    """``(array, backend)`` for ``tensor.data = value`` (see ``TorchMethods.data``), or the error it raises."""
    from .tensor import _DTYPES, _FLOAT_KINDS, Tensor

    if isinstance(value, Tensor):
        value, backend = value._data, value.backend
    else:
        if isinstance(value, np.generic):
            value = np.asarray(value)                   # NumPy's result of arithmetic on 0-d arrays
        try:
            backend = backend_of(value)
        except TypeError:
            raise TypeError(f"Invalid type for argument `data`. Expected an array of a tinygradconv backend (a NumPy "
                            f"array, ...) or a Tensor, as PyTorch takes only a tensor there; make a tensor of it, "
                            f"e.g. t.data = tg.tensor(value, dtype=...). Received a "
                            f"{type(value).__module__}.{type(value).__name__}") from None
    kind = dtype_name(value.dtype)
    if kind not in _DTYPES:
        raise TypeError(f"Invalid type for argument `data`: tensors hold {', '.join(_DTYPES)}. Received data of "
                        f"dtype {kind}")
    if tensor.requires_grad and kind not in _FLOAT_KINDS:
        raise TypeError(f"Invalid type for argument `data`: a tensor that requires grad must hold floating-point data "
                        f"(as in PyTorch, and as the constructor requires). Received data of dtype {kind}. Cast it "
                        f"first, e.g. array.astype('float32'), or call t.requires_grad_(False) before")
    return _writable(value), backend


def _writable(array):
    """``array``, or the writable array it is a read-only view of: ``w.numpy()`` of a tensor that requires grad is a
    read-only view of ``w``'s own array, and ``v.data = w.numpy()`` must share that array, as PyTorch's
    ``v.data = w.data`` does, not leave ``v`` unable to be written (``v.data -= 1`` failed, found by a reviewer).
    Another read-only NumPy array (``np.broadcast_to``'s) is copied, as every tensor's own array is writable."""
    if not isinstance(array, np.ndarray) or array.flags.writeable:
        return array
    base = array.base
    # the same memory: the same start, shape, strides and dtype
    if isinstance(base, np.ndarray) and base.flags.writeable and base.shape == array.shape and \
            base.dtype == array.dtype and base.strides == array.strides and \
            base.__array_interface__["data"][0] == array.__array_interface__["data"][0]:
        return base
    return array.copy()


def _refuse_in_graph_write(tensor, value, spelling, instead, recordable=False):
    """Whether an in-place write (``spelling``: ``t.add_(...)``, ``t[index] = value``, ...) into ``tensor`` must be
    recorded in the autograd graph (:func:`~tinygradconv.in_place.record`), or the error it raises: while
    gradients are recorded, into a tensor that requires grad or with a ``value`` (a Tensor or None) that does.

    A view made under ``no_grad()`` (:func:`~tinygradconv.in_place.refuse_no_grad_view_write`), a leaf that
    requires grad, or a view of one (``w[0]``, ``w.reshape(...)``: an op's output sharing the leaf's
    memory, :func:`~tinygradconv.in_place.views_a_leaf`), a piece of ``split``/``chunk``/``unbind`` (or a view of
    a piece: :func:`~tinygradconv.copy_slices.check_view_chain`) raise PyTorch's ``RuntimeError``; through an
    ``expand`` of an op's output, so does a region that holds an element twice, where the region is known
    (:func:`~tinygradconv.copy_slices.positions_of`). A write that is not ``recordable`` raises a ``TypeError``
    naming the out-of-place spelling ``instead``. Otherwise (an op's output, a view of one, which is recorded as a
    write into its base, PyTorch's ``CopySlices``, or a tensor that does not require grad given a ``value`` that
    does) the answer is True for a ``recordable`` write."""
    from .autograd import is_grad_enabled

    if not is_grad_enabled():
        return False
    if tensor._no_grad_view is not None:        # a view made under no_grad(): PyTorch's error, where it applies
        in_place.refuse_no_grad_view_write(tensor, value, spelling)
    if not (tensor.requires_grad or (value is not None and value.requires_grad)):
        return False
    if tensor.requires_grad and tensor.is_leaf:
        raise RuntimeError(f"A leaf tensor that requires grad cannot be written in place ({spelling}) while gradients "
                           f"are recorded (as in PyTorch): do it under `with tg.no_grad():`, or build a new tensor, "
                           f"e.g. {instead}")
    if tensor.requires_grad and in_place.one_of_many_views(tensor):
        raise RuntimeError(f"A piece of split, chunk or unbind is a view and is being modified inplace. This view "
                           f"is the output of a function that returns multiple views. Such functions do not allow "
                           f"the output views to be modified inplace (PyTorch's words and error type: 'Output 0 of "
                           f"Split is a view ...'). You should replace the inplace operation ({spelling}) by an "
                           f"out-of-place one, e.g. {instead}, or write under `with tg.no_grad():`")
    if tensor.requires_grad and in_place.views_a_leaf(tensor):
        raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an in-place operation "
                           f"({spelling}; PyTorch's words and error type): do it under `with tg.no_grad():` (on the "
                           f"leaf itself, e.g. `w[0] += 1`), or build a new tensor, e.g. {instead}")
    if in_place.is_view(tensor):        # recorded as a write into the base (CopySlices)
        from .copy_slices import check_view_chain

        check_view_chain(tensor, spelling)
    if recordable:
        return True
    raise TypeError(f"{spelling} with a tensor that requires grad, while gradients are recorded, would have to be part "
                    f"of the autograd graph, which records the in-place methods (`t.add_(...)`, `t.clamp_(...)`) "
                    f"but not this write: write it out of place, e.g. {instead}, or under `with tg.no_grad():` where "
                    f"no gradient is wanted")


def _other_tensor(positional, axis, keepdims, dim, keepdim):
    """Whether ``x.max(...)``/``x.min(...)`` is PyTorch's element-wise form ``x.max(other)``: one Tensor given
    positionally and nothing else (an axis is never a Tensor)."""
    from .tensor import Tensor

    return len(positional) == 1 and isinstance(positional[0], Tensor) and axis is None and \
        keepdims is NOT_GIVEN and dim is None and keepdim is None


def name_inherited_methods(cls):
    """Give the methods ``cls`` (``Tensor``) inherits from its mixins (``TorchMethods``, ``TorchPort``, ...) the
    qualified name ``Tensor.<name>``. Python's own argument errors name a method by its ``__qualname__``: a keyword
    no method takes, ``t.logsumexp(1, foo=2)``, says "Tensor.logsumexp() got an unexpected keyword argument 'foo'",
    not "TorchPort.logsumexp() ...", a class the user never meets (the mixins only split Tensor's methods into
    files).

    Pickle saves a function as its module and qualified name, and finds it again by looking that name up:
    ``pickle.dumps(tg.Tensor.amax)`` looks up ``Tensor.amax`` in ``tinygradconv.torch_port``. So each mixin's
    module is given the name ``Tensor`` too (``tinygradconv.torch_port.Tensor is tg.Tensor``), and a method, or a
    layer holding one (``Lambda(functools.partial(tg.Tensor.logsumexp, dim=-1))``), still pickles."""
    for mixin in cls.__mro__[1:-1]:
        for name, member in vars(mixin).items():
            if inspect.isfunction(member) and getattr(cls, name, None) is member:
                member.__qualname__ = f"{cls.__name__}.{name}"
        setattr(sys.modules[mixin.__module__], cls.__name__, cls)


def _refuse_positional_axis(name, positional):
    """A ``TypeError`` for ``x.max(1)`` / ``x.min(1)``: the axis must be a keyword (see ``TorchMethods.max``)."""
    if positional:
        args = ", ".join(repr(a) for a in positional)
        raise TypeError(f"x.{name}({args}): give the axis by keyword. x.{name}(axis={positional[0]!r}) returns the "
                        f"{name}imum values only (NumPy's and Keras' meaning); PyTorch's x.{name}({args}) returns a "
                        f"(values, indices) pair: write x.{name}(axis=...) for the values and x.arg{name}(dim=...) "
                        "for the indices")


#: PyTorch's memory formats (``str(torch.preserve_format)`` etc.) and the rank each one needs (None: any).
_MEMORY_FORMATS = {"torch.preserve_format": None, "torch.contiguous_format": None, "torch.channels_last": 4,
                   "torch.channels_last_3d": 5}


def _check_memory_format(memory_format, ndim):
    """Refuse what ``torch.Tensor.clone`` refuses: a ``memory_format`` that is not a PyTorch memory format (nor
    None), or a channels-last format for a tensor of another rank."""
    if memory_format is None:
        return
    name = str(memory_format)
    if type(memory_format).__name__ != "memory_format" or name not in _MEMORY_FORMATS:
        raise TypeError(f"clone(): `memory_format` must be one of PyTorch's memory formats "
                        f"({', '.join(_MEMORY_FORMATS)}) or None. Received {memory_format!r} of type "
                        f"{type(memory_format).__name__}")
    rank = _MEMORY_FORMATS[name]
    if rank is not None and ndim != rank:
        raise ValueError(f"clone(): memory_format={name} is for tensors of rank {rank}; this one has rank {ndim} "
                         f"(PyTorch refuses it too)")


def _is_dtype(value) -> bool:
    """Whether ``value`` names a dtype (``"float16"``, ``np.float16``, ``np.dtype(...)``, ``torch.float16``)."""
    return isinstance(value, (str, type, np.dtype)) or type(value).__name__ == "dtype"


def _first_extreme(x, op, dim_and_name, keepdim):
    """``x.argmax``/``x.argmin`` (``op``): the first index of the extreme value, or of the first NaN. ``dim`` comes
    with the name the user gave it (``dim`` or ``axis``), for the error messages."""
    dim, name = dim_and_name
    if dtype_name(x.dtype) == "bool":
        raise TypeError(f"{op}() does not support bool tensors (as PyTorch); cast first, e.g. "
                        f"x.astype('uint8').{op}()")
    xp, a = x.backend.xp, x.data
    if dim is None or x.ndim == 0:
        if dim is not None:
            dim_index(dim, 0, op, name)                # 0 or -1 for a rank-0 tensor
        if x.size == 0:
            raise IndexError(f"{op}(): the tensor of shape {x.shape} is empty, so there is no index to return; "
                             f"pass a `dim` of non-zero size to get one index per slice (as PyTorch)")
        found = _first_index(xp, op, xp.reshape(a, (-1,)), 0, False)     # an index into the flattened tensor
        if keepdim:
            found = xp.reshape(found, (1,) * x.ndim)
    else:
        axis = dim_index(dim, x.ndim, op, name)
        if x.shape[axis] == 0:
            raise IndexError(f"{op}(): dimension {axis} of the tensor of shape {x.shape} has size 0, so its slices "
                             f"have no index to return. Received {name}={dim!r}")
        found = _first_index(xp, op, a, axis, keepdim)
    return x._make(xp.astype(found, xp.int64), x.backend, False, None)


def _first_index(xp, op, a, axis, keepdims):
    """The Array API's ``argmax``/``argmin`` (the first index of a tie), with a slice holding NaN pointing at its
    first NaN, as PyTorch (the Array API leaves NaN unspecified)."""
    found = getattr(xp, op)(a, axis=axis, keepdims=keepdims)
    if xp.isdtype(a.dtype, "real floating"):
        nan = xp.isnan(a)
        first_nan = xp.argmax(xp.astype(nan, xp.int8), axis=axis, keepdims=keepdims)
        found = xp.where(xp.any(nan, axis=axis, keepdims=keepdims), first_nan, found)
    return found


# ----------------------------------------------------------------------------------------------------------------
# Helpers of the group "PyTorch's first spellings" (add/sub/mul/div and their in-place forms, var/std, type(),
# device, grad_fn) in TorchMethods.

#: PyTorch's tensor type names (``torch.Tensor.type()``), by dtype.
_TORCH_TYPE_NAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
                     "bool": "BoolTensor", "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor",
                     "int64": "LongTensor", "uint8": "ByteTensor", "uint16": "UInt16Tensor",
                     "uint32": "UInt32Tensor", "uint64": "UInt64Tensor"}


def refuse_beyond_int64(number, kind):
    """A ``TypeError`` for a Python integer beside a bool tensor (``mask + 2**63``) that the ``kind`` of their result,
    int64 (PyTorch's promotion), cannot hold; PyTorch refuses it too ("Promotion for uint16, uint32, uint64 types is
    not supported, attempted to promote Bool and UInt64"), NumPy raised a bare ``OverflowError``."""
    if kind == "int64" and not -2 ** 63 <= number < 2 ** 63:
        raise TypeError(f"Invalid type for argument: a bool tensor and the integer {number!r} make an int64 result "
                        f"(as PyTorch promotes them), which cannot hold that number (PyTorch refuses it too). Cast "
                        f"the tensor first, e.g. mask.astype('float64')")


def _is_floating(value) -> bool:
    """Whether ``value`` (a tensor, an array or a number) is floating-point."""
    if hasattr(value, "dtype"):
        return dtype_name(value.dtype).startswith("float")
    return isinstance(value, (float, np.floating))


def _is_bool(value) -> bool:
    if hasattr(value, "dtype"):
        return dtype_name(value.dtype) == "bool"
    return isinstance(value, (bool, np.bool_))


def _power_of_two(alpha):
    """Whether ``alpha`` is 0 or plus or minus a power of two (``2``, ``0.5``, ``-4``, ``2**-10``): then the
    product ``alpha * y`` is exact in float64 (unless it falls below ``2**-1022``, where
    :func:`~tinygradconv.ops.fused_multiply_add.multiply_add` rounds twice as well), and ``x + alpha * y`` is rounded
    once, as a fused multiply-add rounds it.

    >>> _power_of_two(2.0), _power_of_two(-0.25), _power_of_two(0), _power_of_two(3), _power_of_two(0.1)
    (True, True, True, False, False)
    """
    alpha = float(alpha)
    return alpha == 0 or (math.isfinite(alpha) and math.frexp(abs(alpha))[0] == 0.5)


def _tensor_argument(other, name, op):
    """``other`` when it is a Tensor, else PyTorch's refusal as a ``TypeError`` naming the argument."""
    from .tensor import Tensor

    if not isinstance(other, Tensor):
        raise TypeError(f"Invalid type for argument `{name}` of {op}: expected a tensor (as PyTorch: \"argument "
                        f"'{name}' (position 1) must be Tensor\"). Received {other!r} of type "
                        f"{type(other).__name__}")
    return other


def _swapped(tensor, dim0, dim1, op, names):
    """``tensor`` with dimensions ``dim0`` and ``dim1`` swapped (a Permute, a view as PyTorch's), PyTorch's range of
    dimensions (a rank-0 tensor has dimension 0 and -1, and stays itself)."""
    from .ops.shape import permute

    i, j = dim_index(dim0, tensor.ndim, op, names[0]), dim_index(dim1, tensor.ndim, op, names[1])
    order = list(range(tensor.ndim))
    if order:
        order[i], order[j] = order[j], order[i]
    return permute(tensor, order)


def _checked_other(tensor, other, alpha, op):
    """``other`` of ``tensor.add(other, alpha=alpha)`` (``op``: ``"add"`` or ``"sub"``) after PyTorch's checks of
    ``alpha`` and of bool operands, ready to be scaled by ``alpha``: a tensor ``other`` (or data, lifted to a
    tensor) cast to the dtype of ``tensor + other``, as PyTorch computes ``alpha * other`` in the result's dtype:
    a float16 ``other`` beside a float64 tensor is scaled in float64 (``65504 * 3`` does not overflow), a bool mask
    beside a float32 tensor in float32 (the result stays float32). ``other`` is returned as it is when ``alpha``
    is 1, when it is a number, and when both operands are bool."""
    from .ops.elementwise import promoted_dtype, refuse_bool_operands
    from .tensor import Tensor

    if not isinstance(alpha, numbers.Real):
        raise TypeError(f"Invalid type for argument `alpha` of {op}: expected a number. Received {alpha!r} of type "
                        f"{type(alpha).__name__}")
    both_bool = _is_bool(tensor) and _is_bool(other)
    if op == "sub":                          # the rule of `-` (PyTorch: "Subtraction, the `-` operator, ...")
        if _is_bool(tensor) and not _is_bool(other):     # the bool one is self: name it
            argument = "`self` of sub"
            received = f"Received a bool tensor of shape {tuple(tensor.shape)} as self, beside {_describe(other)}"
        else:
            argument = "`other` of sub"
            received = f"Received {_describe(other)} for a {dtype_name(tensor.dtype)} tensor"
        refuse_bool_operands("-", _is_bool(tensor), _is_bool(other), argument=argument, received=received)
    if isinstance(alpha, (bool, np.bool_)) and not both_bool:
        raise TypeError(f"Invalid type for argument `alpha` of {op}: a bool alpha is taken only when both operands "
                        f"are bool (as PyTorch: \"Boolean alpha only supported for Boolean results\"). Received "
                        f"alpha={alpha!r}; pass a number")
    integral = not _is_floating(tensor) and not _is_floating(other)
    if integral and isinstance(alpha, (float, np.floating)):
        raise TypeError(f"Invalid type for argument `alpha` of {op}: for integer operands `alpha` must be an integer, "
                        f"not a float (as PyTorch). Received alpha={alpha!r}")
    if alpha == 1 or both_bool or isinstance(other, numbers.Number):
        return other                         # (a Python number is scaled exactly, then lifted by the operator)
    other = other if isinstance(other, Tensor) else tensor._lift(other)
    kind = promoted_dtype(tensor.dtype, other.dtype)
    if dtype_name(other.dtype) != kind:
        other = other.astype(kind)           # differentiable: the gradient comes back in other's own dtype
    if not _is_floating(other):              # (an integer alpha the product cannot hold: refused before it)
        _check_alpha_fits(alpha, kind, op)
    return other


def _times_alpha(tensor, other, alpha, op):
    """``alpha * other`` for ``tensor.add(other, alpha=alpha)`` (``op``: ``"add"`` or ``"sub"``), ``other`` checked
    and cast by :func:`_checked_other`; ``other`` itself when ``alpha`` is 1. With two bool operands ``alpha``
    counts as a bool, as PyTorch converts it: ``other`` where it is not 0, else False."""
    other = _checked_other(tensor, other, alpha, op)
    if alpha == 1:
        return other
    if _is_bool(tensor) and _is_bool(other):    # PyTorch: self | (bool(alpha) & other), a bool result
        return other if alpha else other & False
    with np.errstate(over="ignore", invalid="ignore"):  # a number times a NumPy alpha (inf * int64(0) = nan):
        return other * alpha                            # silently, as torch and the tensor operators


def _describe(value):
    """``value`` as an error message names it: a tensor by its dtype and shape, anything else by its repr."""
    if hasattr(value, "dtype"):
        return f"a {dtype_name(value.dtype)} tensor of shape {tuple(value.shape)}"
    return repr(value)


def _check_alpha_fits(alpha, kind, op):
    """Refuse an ``alpha`` that a ``kind`` result cannot hold, as PyTorch converts it to the result's dtype ("value
    cannot be converted to type float without overflow"); NaN and the infinities pass for a floating result. (``sub``
    is PyTorch's ``add`` of ``-alpha``: int32's ``-2**31`` is refused there, ``2**31`` would be taken.)"""
    value = alpha if op == "add" else -alpha
    if kind.startswith("float"):
        largest, value = float(np.finfo(kind).max), float(value)     # (a NumPy float32 alpha compared as float64)
        fits = not math.isfinite(value) or -largest <= value <= largest
    elif kind == "bool":
        fits = True
    else:
        info = np.iinfo(kind)
        fits = (-info.max <= value <= info.max) if info.min == 0 else info.min <= value <= info.max
    if not fits:
        raise ValueError(f"Invalid value for argument `alpha` of {op}: {alpha!r} cannot be converted to {kind} "
                         f"without overflow (PyTorch converts alpha to the result's dtype and refuses it too)")


def _plus_alpha_times(tensor, other, alpha, op):
    """``tensor + alpha * other`` (``op`` ``"add"``) or ``tensor - alpha * other`` (``"sub"``), rounded as
    PyTorch's CPU kernel for a float16, float32 or float64 result (see :meth:`TorchMethods.add`).

    The graph is that of ``tensor + alpha * other`` (its gradients: the output gradient to ``tensor``, ``alpha``
    times it to ``other``); only the forward value is recomputed (:func:`_rounded_once`). Where no graph is
    recorded (under ``no_grad``, or no operand requires grad) and the sum is floating, the value is computed alone,
    without ``tensor + alpha * other`` first (:func:`_value_alone`)."""
    from .autograd import is_grad_enabled
    from .tensor import Tensor

    recorded = is_grad_enabled() and (tensor.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
    if not recorded and alpha != 1:
        value = _value_alone(tensor, other, alpha, op)
        if value is not None:
            return value
    scaled = _times_alpha(tensor, other, alpha, op)
    result = tensor + scaled if op == "add" else tensor - scaled
    kind = dtype_name(result.dtype)
    _check_alpha_fits(alpha, kind, op)
    if alpha == 1 or kind not in ("float16", "float32", "float64"):
        return result
    xp = result.backend.xp
    if (kind == "float64" and _power_of_two(alpha) and (op == "add" or _negation_commutes(alpha))
            and xp.all(xp.isfinite(result._data))):
        return result      # alpha * other exact: tensor + it is already rounded once (unless it overflowed)
    value = _rounded_once(tensor, other, alpha, op, kind)
    return Tensor._make(value, result.backend, result._requires_grad, result._ctx)


def _value_alone(tensor, other, alpha, op):
    """The value of :func:`_plus_alpha_times` as a tensor that records nothing, without computing ``tensor + alpha
    * other`` first, or None where that is not simple (a result that is not floating, a bool ``tensor`` beside a
    number, shapes that do not broadcast, another backend): the caller then takes the general path, with its
    errors. ``alpha``'s checks are those of :func:`_checked_other`."""
    from .ops.elementwise import promoted_dtype
    from .tensor import Tensor

    other = _checked_other(tensor, other, alpha, op)     # (a tensor cast to the result's dtype)
    if isinstance(other, Tensor):
        if other.backend is not tensor.backend:
            return None
        try:
            np.broadcast_shapes(tuple(tensor.shape), tuple(other.shape))
        except ValueError:
            return None
        kind = promoted_dtype(tensor.dtype, other.dtype)
    elif isinstance(other, numbers.Number) and _is_floating(tensor):
        kind = dtype_name(tensor.dtype)     # a number takes a floating tensor's dtype in `+`
    else:
        return None
    if kind not in ("float16", "float32", "float64"):
        return None
    _check_alpha_fits(alpha, kind, op)
    return Tensor._make(_rounded_once(tensor, other, alpha, op, kind), tensor.backend, False, None)


def _rounded_once(tensor, other, alpha, op, kind):
    """The array ``tensor + alpha * other`` (``op`` ``"add"``; ``"sub"``: ``tensor + (-alpha) * other``, as
    PyTorch's ``sub`` is its ``add`` of ``-alpha``) of the floating dtype ``kind``, rounded as PyTorch's CPU kernel:
    for float32 by a float32 fused multiply-add, as PyTorch's
    (:func:`~tinygradconv.ops.fused_multiply_add.fused_multiply_add_float32`: the sum taken in float64, where the
    product of two float32 numbers is exact, and rounded to float32; the rare float64 sums exactly half way between
    two float32 numbers rounded again from the exact sum, where rounding twice went the wrong way);
    for float16 in float32 (where the product of two float16 numbers is exact) and rounded to float32, then to
    float16, as PyTorch's vectorised loop computes float16 in float32; for float64 by a fused multiply-add
    (:func:`~tinygradconv.ops.fused_multiply_add.multiply_add`), rounded once, as PyTorch's, or, for an ``alpha``
    of 0 or a power of two (an exact product), plainly ``tensor + alpha * other`` where that is finite.

    ``sub`` is computed as ``tensor + (-alpha) * other``, not ``tensor - alpha * other``: the two differ in the sign
    of a zero for an integer ``alpha`` of 0, whose negation is ``+0`` (``x.sub(y, alpha=0)`` is ``x + 0 * y``: for
    ``x = -0.0, y = 0.0`` it is ``+0.0``, and ``-0.0`` for ``y = -0.0``, as PyTorch)."""
    from .tensor import Tensor

    xp = tensor.backend.xp
    factor = alpha if op == "add" else -alpha
    if kind == "float64":                    # rounded once, as PyTorch's fused multiply-add
        from .ops.fused_multiply_add import multiply_add

        a = xp.astype(tensor._data, xp.float64, copy=False)
        if isinstance(other, numbers.Number):
            b = xp.asarray(float(other), dtype=xp.float64)
        else:
            b = other._data if isinstance(other, Tensor) else tensor._lift(other)._data
            b = xp.astype(b, xp.float64, copy=False)
        if _power_of_two(factor):            # factor * b exact: the plain sum is rounded once (unless it overflowed)
            with np.errstate(over="ignore", invalid="ignore"):
                plain = xp.asarray(a + float(factor) * b)
            if xp.all(xp.isfinite(plain)):
                return plain
        return multiply_add(xp, b, factor, a)
    rounded = np.dtype(kind).type
    with np.errstate(over="ignore", invalid="ignore"):    # overflow to inf, inf - inf = nan: silently, as torch
        a = xp.astype(tensor._data, getattr(xp, kind), copy=False)
        if isinstance(other, numbers.Number):
            b = xp.asarray(rounded(other), dtype=getattr(xp, kind))
        else:
            b = other._data if isinstance(other, Tensor) else tensor._lift(other)._data
            b = xp.astype(b, getattr(xp, kind), copy=False)
        if kind == "float32":                # rounded once from the exact sum, as PyTorch's float32 fma
            from .ops.fused_multiply_add import fused_multiply_add_float32

            factor32 = xp.asarray(rounded(factor), dtype=xp.float32)
            if _power_of_two(rounded(factor)):
                plain = _plain_sum_if_exact(xp, a, factor32, b)
                if plain is not None:
                    return plain
            return fused_multiply_add_float32(xp, factor32, b, a)
        # float16: the product of two float16 numbers is exact in float32, and the sum rounded once there
        wide = xp.float32
        exact = xp.astype(a, wide) + float(rounded(factor)) * xp.astype(b, wide)
        return xp.astype(xp.asarray(exact), getattr(xp, kind))


def _plain_sum_if_exact(xp, a, alpha, b):
    """``a + alpha * b`` in float32 (``alpha`` a 0-d float32 array, 0 or plus or minus a power of two), or None
    where that is not the fused multiply-add's result. The product of a float32 number and a power of two is
    exact unless it leaves float32's range: above it the product is infinite and so is the sum (or NaN), which
    the finite test finds; below ``2**-126`` (only for ``|alpha| < 1``) it may lose its lowest bits, which
    dividing it again by ``alpha`` (exact, a power of two) finds (``b`` back only where nothing was lost). With an
    exact product the sum is rounded once, as the fma's. 4 float32 operations (7 for ``|alpha| < 1``) where the
    fma takes about 10, in float64 (PyTorch's ``x.add(y, alpha=2.0)`` is ``x + 2 * y`` bit for bit too)."""
    product = alpha * b
    plain = xp.asarray(a + product)
    if not xp.all(xp.isfinite(plain)):         # an overflow (or an infinite or NaN operand): the fma decides
        return None
    if 0 < abs(float(alpha)) < 1 and not xp.all(product / alpha == b):    # an underflow that lost bits
        return None
    return plain


def _negation_commutes(alpha):
    """Whether ``-(alpha * y)`` is ``(-alpha) * y`` bit for bit, so that ``x - alpha * y`` is PyTorch's ``x +
    (-alpha) * y``: always, except for a zero ``alpha`` whose negation is ``+0`` (an integer 0).

    >>> _negation_commutes(2), _negation_commutes(0.0), _negation_commutes(-0.0), _negation_commutes(0)
    (True, True, True, False)
    """
    return alpha != 0 or math.copysign(1.0, float(-alpha)) != math.copysign(1.0, float(alpha))


def _ops_article(kind):
    """:func:`~tinygradconv.ops.elementwise.article` ("an int32", "a uint8"), imported when called (the ops import
    this module)."""
    from .ops.elementwise import article

    return article(kind)


def _number_to_write(value, kind, op):
    """``value`` to write into a tensor of dtype ``kind`` by ``op`` (``t[index] = value``, ``t.fill_(value)``): 0
    and 1 into a bool tensor become False and True, as PyTorch and NumPy take them, and a float holding an integer
    (``3.0``, ``np.array(3.0)``, ``tg.tensor(3.0)``) into an integer tensor is that integer, as PyTorch writes it;
    another float there is a ``TypeError`` that quotes it as passed (``3.7`` into int32: PyTorch truncates it to 3
    silently; ``1e300``: :func:`~tinygradconv.ops.elementwise.whole_number_to_write`). A number out of the dtype's
    range (``300`` for int8, ``1e5`` for float16) is a ``ValueError`` naming ``value``, ``op`` and the range, as
    ``masked_fill`` and ``full_like`` give (:func:`~tinygradconv.ops.creation.refuse_out_of_range`; PyTorch raises
    ``RuntimeError`` "value cannot be converted to type ... without overflow"); so is a whole float beyond an
    integer dtype (``300.0``, ``np.float32(1e10)`` into int8: PyTorch refuses ``300.0`` as it refuses ``300``), a
    0-d integer NumPy array (``np.array(300)``, which NumPy's cast wrapped to 44; PyTorch refuses every NumPy
    array here) and a list or tuple of integers (``[300, 1]``; an in-range ``[3, 1]`` is written, where PyTorch
    refuses lists) into an integer tensor. Anything else is returned as it is (a 0-d int64 Tensor holding 300 is
    cast, wrapping, as PyTorch's ``t[:] = torch.tensor(300)`` wraps it)."""
    from .ops.creation import refuse_out_of_range  # (the ops import this module)
    from .ops.elementwise import whole_number_to_write
    from .tensor import _number_fits

    if kind != "bool" and not kind.startswith("float") and isinstance(value, (list, tuple, np.ndarray)):
        _refuse_integers_out_of_range(value, kind, op)
    # 3.0 into int32 is 3, as PyTorch; 3.7 refused (TypeError), 300.0 into int8 as 300 is (ValueError)
    value = whole_number_to_write(value, kind, range_argument=f"`value` of {op}")
    if kind == "bool" and type(value) is int and value in (0, 1):
        value = bool(value)
    if not isinstance(value, numbers.Real):
        return value
    if kind == "bool":
        if not _number_fits(value, kind):
            raise TypeError(f"Invalid type for argument `value`: {value!r} cannot be written into a bool tensor; "
                            "write True or False (or 0 or 1)")
        return value
    refuse_out_of_range(value, kind, "value", op)       # (the one range check of every write of a number)
    return value


def _refuse_integers_out_of_range(value, kind, op):
    """Raise the ``ValueError`` of the number ``300`` (:func:`~tinygradconv.ops.elementwise.out_of_range_error`)
    for ``value``, a 0-d integer NumPy array or a list or tuple of integers, holding an integer that the integer
    dtype ``kind`` cannot hold; return for any other ``value`` (floats, bools, arrays of more dimensions: the
    write's own rules apply). A list of integers is not cast through float32 first (``[300, 1]`` had said "a
    float32 value cannot be written", quoting no value the user gave)."""
    from .ops.elementwise import out_of_range_error

    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iu":
            return
        numbers_in = [value.item()]
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, OverflowError):       # ragged or not numeric: the write says what is wrong
            return
        if array.dtype.kind in "iu":
            if array.size == 0:
                return
            numbers_in = [array.min().item(), array.max().item()]
        elif array.dtype == object and all(type(n) is int for n in array.flat):     # beyond int64: 2**70
            numbers_in = [int(n) for n in array.flat]
        else:
            return
    info = np.iinfo(kind)
    if not all(info.min <= n <= info.max for n in numbers_in):
        raise out_of_range_error(value, kind, f"`value` of {op}")


def _filled_with(base, value, method="fill_"):
    """``value`` (a number, or a tensor that broadcasts to ``base``'s shape) in every element of ``base``'s shape,
    with the gradient of an in-place write of it by ``method`` (``fill_``, ``zero_``, ``copy_``): 0 for ``base``,
    the sum of the gradient over the broadcast dimensions for ``value``, and PyTorch's node
    (:class:`~tinygradconv.ops.filling.Fill`: ``FillBackward``, ``ZeroBackward``, ``CopyBackwards``)."""
    from .ops.filling import filled_with

    return filled_with(base, value, method)


def _float_in_place(tensor, name, method):
    """``tensor.rsqrt_()`` and the like (``name``): ``method(tensor)``, a float result, written into ``tensor``'s
    memory or recorded in the graph (:func:`~tinygradconv.torch_in_place.write_in_place`); an integer or bool
    tensor, which cannot hold it, raises ``TypeError`` first, as PyTorch refuses it."""
    plain = name[:-1]
    kind = dtype_name(tensor.dtype)
    if not kind.startswith("float"):
        floatx = config.floatx()               # the dtype of the result (PyTorch: its default dtype)
        raise TypeError(f"Invalid type for argument `self` of {name}: {_ops_article(kind)} {kind} tensor cannot hold "
                        f"the {floatx} result of {plain} in place (as PyTorch: \"result type Float can't be cast to "
                        f"the desired output type\"). Write t = t.{plain}() for a new {floatx} tensor")
    return write_in_place(tensor, name, method)


class Device(str):
    """A tensor's device (``t.device``), as ``torch.device``: ``"cpu"``, or ``"cuda:N"`` on the ``cupy`` backend.

    A ``str`` (``print(t.device)`` and ``t.device == "cpu"`` work as one expects), with PyTorch's attributes
    ``type`` (``"cpu"`` or ``"cuda"``) and ``index`` (None, or the GPU's number), and PyTorch's ``repr``.
    """

    def __new__(cls, kind, index=None):
        device = super().__new__(cls, kind if index is None else f"{kind}:{index}")
        device.type, device.index = kind, index
        return device

    def __repr__(self):
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"


class BackwardNode:
    """The node of the autograd graph that computed a tensor (``t.grad_fn``), as PyTorch's ``grad_fn`` objects:
    ``name()`` is the package's op class with ``Backward`` (``"MulBackward"``; PyTorch: ``"MulBackward0"``), or the
    name PyTorch gives it where the op says (``grad_fn_name(ctx)``: a piece of ``split`` is ``"SplitBackward"``),
    and ``next_functions`` one ``(node, 0)`` pair per input of the op: its ``BackwardNode``, an
    :class:`AccumulateGrad` for a leaf that requires grad, or None for an input that does not. A node PyTorch does
    not have (``hidden_from_grad_fn``: the ``Cut`` that ``split``'s pieces hang from) is passed over, to the node
    before it."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx):
        self._ctx = ctx

    def name(self) -> str:
        fn = self._ctx.fn
        full = getattr(fn, "full_grad_fn_name", None)   # a node named without "Backward" (CopySlices)
        if full is not None:
            return full(self._ctx)
        named = getattr(fn, "grad_fn_name", None)       # an op that PyTorch names otherwise (a piece of split)
        return f"{fn.__name__ if named is None else named(self._ctx)}Backward"

    @property
    def next_functions(self) -> tuple:
        from .in_place import recorded_inputs

        shown = getattr(self._ctx.fn, "grad_fn_inputs", None)      # (CopySlices: PyTorch's holds a node inside)
        return tuple((_node_of(t), 0) for t in (recorded_inputs if shown is None else shown)(self._ctx))

    def __repr__(self):
        return f"<{self.name()}>"

    def __eq__(self, other):
        return isinstance(other, BackwardNode) and other._ctx is self._ctx

    def __hash__(self):
        return id(self._ctx)


class AccumulateGrad:
    """The end of a path in ``grad_fn.next_functions``: the leaf ``variable`` whose ``.grad`` the gradient is added
    into, as PyTorch's ``AccumulateGrad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


def _node_of(tensor):
    if tensor is None or not tensor.requires_grad:
        return None
    if tensor._ctx is not None and getattr(tensor._ctx.fn, "hidden_from_grad_fn", False):
        return _node_of(tensor._ctx.inputs[0])     # a node PyTorch has not (split's Cut): the one before it
    return AccumulateGrad(tensor) if tensor._ctx is None else BackwardNode(tensor._ctx)


def _ops_module(name):
    """The module ``tinygradconv.ops.<name>``, imported at call time (tensor.py imports this module before the ops
    exist: see the end of tensor.py)."""
    import importlib

    return importlib.import_module(f"tinygradconv.ops.{name}")


def _trigonometric():
    """The module of the trigonometric ops, imported at call time (tensor.py imports this module before the ops
    exist: see the end of tensor.py)."""
    from .ops import trigonometric

    return trigonometric


for _name, _hint in MISSING_TORCH_NAMES.items():   # t.gather: an AttributeError that says what to write instead
    if not any(_name in vars(_class) for _class in TorchMethods.__mro__):     # (never hides a method made since)
        setattr(TorchMethods, _name, _MissingTorchName(_name, _hint))
del _name, _hint
