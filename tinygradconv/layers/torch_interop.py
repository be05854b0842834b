"""From PyTorch to Keras semantics: build a ``Conv1D`` / ``Conv1DTranspose`` equal to a ``torch.nn.Conv1d`` /
``torch.nn.ConvTranspose1d`` (arguments and weights), or say why Keras' arguments cannot express it.

Weights. torch's ``Conv1d.weight`` is ``(out_channels, in_channels / groups, kernel_size)`` and Keras' ``Conv1D``
kernel ``(kernel_size, in_channels / groups, filters)``; torch's ``ConvTranspose1d.weight`` is ``(in_channels,
out_channels, kernel_size)`` and Keras' ``Conv1DTranspose`` kernel ``(kernel_size, filters, in_channels)``: both
are the torch weight with its axes reversed. The bias is the same vector.

Padding. torch pads (or, transposed, crops) ``padding`` steps on *both* sides; Keras names its paddings:

* ``Conv1D``: ``"valid"`` is torch ``padding=0``; ``"same"`` with ``strides=1`` pads ``(k_eff - 1) // 2`` on the
  left and the rest on the right, which is torch's symmetric ``padding=p`` exactly when ``k_eff - 1 = 2p`` (and
  torch's ``padding="same"``); with ``strides > 1`` Keras' "same" padding depends on the input length, so no torch
  ``padding`` equals it. Anything else raises ``ValueError``.
* ``Conv1DTranspose``: torch crops ``(padding, padding - output_padding)`` from the full transposed convolution
  (a negative crop extends with zeros); Keras' crops for each ``padding`` name and ``output_padding`` come from
  :func:`tinygradconv.ops.conv_arithmetic.conv_transpose_crops`. The first Keras choice whose crops are torch's is
  taken (``output_padding=None`` first); if none is, ``ValueError`` says which crops torch asked for.

Subclasses of ``Conv1d``/``ConvTranspose1d`` and parametrized modules (e.g.
``torch.nn.utils.parametrizations.weight_norm``) are accepted: their effective ``weight`` is read. bfloat16 weights
become a float32 layer (exact: NumPy has no bfloat16); other non-float dtypes are refused, naming the dtype.

Refused as well: ``padding_mode`` other than ``"zeros"``, ``groups > 1`` on the transpose (Keras'
``Conv1DTranspose`` has no groups), ``strides > 1`` together with ``dilation > 1`` (Keras refuses it).

The layer is ``channels_first`` by default, so it takes torch's ``(batch, channels, steps)`` inputs as they are;
pass ``data_format="channels_last"`` for Keras' usual layout (the kernel is the same).

For example torch's ``ConvTranspose1d(kernel_size=4, stride=2, padding=1)`` crops ``(1, 1)``, which is Keras'
``padding="same"``:

>>> from tinygradconv.ops.conv_arithmetic import conv_transpose_crops
>>> conv_transpose_crops(4, 2, "same")
(1, 1)

Source: ``torch.nn.Conv1d`` / ``torch.nn.ConvTranspose1d`` (PyTorch docs, output-length formulas), Keras 3
``Conv1D`` / ``Conv1DTranspose``; the crops are those of :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`.
"""
from __future__ import annotations

import numpy as np

from ..ops.conv_arithmetic import conv_transpose_crops, effective_kernel_size

__all__ = ["conv1d_from_torch", "conv1d_transpose_from_torch"]


def _one(value):
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def _check_module(module, class_name):
    """``module`` is a ``torch.nn.<class_name>``, a subclass of it, or a parametrized one (e.g. weight_norm)."""
    try:
        import torch
    except ImportError:  # without torch installed, nothing is a torch module
        expected = None
    else:
        expected = getattr(torch.nn, class_name)
    if expected is None or not isinstance(module, expected) or not hasattr(module, "weight"):
        raise TypeError(f"Invalid type for argument `module`. Expected a torch.nn.{class_name} (or a subclass). "
                        f"Received {type(module).__name__}")
    if getattr(module, "padding_mode", "zeros") != "zeros":
        raise ValueError(f"torch.nn.{class_name} with padding_mode={module.padding_mode!r} has no Keras equivalent: "
                         "Keras convolutions pad with zeros only")


def _array(parameter):
    """The effective value (a parametrized ``weight`` is computed) as a NumPy array; bfloat16, which NumPy lacks,
    is widened to float32 (exactly: every bfloat16 is a float32)."""
    value = parameter.detach().cpu()
    if str(value.dtype) == "torch.bfloat16":
        value = value.float()
    return value.numpy()


def _dtype(weight):
    name = str(weight.dtype)
    if name not in ("float16", "float32", "float64"):
        raise ValueError(f"Unsupported torch weight dtype {name!r}: expected float16, float32 or float64")
    return name


def conv1d_from_torch(cls, module, data_format="channels_first", **kwargs):
    """A ``Conv1D`` (``cls``) equal to ``module`` (a ``torch.nn.Conv1d``), built and holding its weights."""
    _check_module(module, "Conv1d")
    k, s, d = _one(module.kernel_size), _one(module.stride), _one(module.dilation)
    k_eff = effective_kernel_size(k, d)
    padding = module.padding
    if isinstance(padding, str):
        keras_padding = padding  # torch's "valid" and "same" (stride 1 only) are Keras' own
    else:
        p = _one(padding)
        if p == 0:
            keras_padding = "valid"
        elif s == 1 and k_eff - 1 == 2 * p:
            keras_padding = "same"
        elif s == 1:
            raise ValueError(f"torch.nn.Conv1d(padding={p}) with an effective kernel size of {k_eff} pads {p} steps "
                             f"on each side; Keras' 'same' pads {(k_eff - 1) // 2} and {k_eff - 1 - (k_eff - 1) // 2}, "
                             "'valid' none, 'causal' all on the left, so no Keras padding name gives it. Use "
                             "ZeroPadding1D(padding) before a 'valid' Conv1D instead.")
        else:
            raise ValueError(f"torch.nn.Conv1d(padding={p}, stride={s}) pads a fixed {p} steps on each side; Keras' "
                             "'same' padding with strides > 1 depends on the input length, and 'valid' pads none, "
                             "so no Keras padding name gives it. "
                             "Use ZeroPadding1D(padding) before a 'valid' Conv1D instead.")
    weight = _array(module.weight)
    bias = None if module.bias is None else _array(module.bias)
    try:
        layer = cls(module.out_channels, k, strides=s, padding=keras_padding, dilation_rate=d, groups=module.groups,
                    use_bias=bias is not None, data_format=data_format, dtype=_dtype(weight), **kwargs)
    except ValueError as exc:
        raise ValueError(f"torch.nn.Conv1d(kernel_size={k}, stride={s}, dilation={d}) has no Keras equivalent: "
                         f"{exc}") from None
    shape = ((None, module.in_channels, None) if layer.data_format == "channels_first"
             else (None, None, module.in_channels))
    layer.build(shape)
    layer.built = True
    layer.set_weights([np.transpose(weight, (2, 1, 0))] + ([] if bias is None else [bias]))
    return layer


def conv1d_transpose_from_torch(cls, module, data_format="channels_first", **kwargs):
    """A ``Conv1DTranspose`` (``cls``) equal to ``module`` (a ``torch.nn.ConvTranspose1d``), with its weights."""
    _check_module(module, "ConvTranspose1d")
    if module.groups != 1:
        raise ValueError(f"torch.nn.ConvTranspose1d(groups={module.groups}) has no Keras equivalent: Keras' "
                         "Conv1DTranspose has no `groups` argument")
    k, s, d = _one(module.kernel_size), _one(module.stride), _one(module.dilation)
    p, op = _one(module.padding), _one(module.output_padding)
    if s > 1 and d > 1:
        raise ValueError(f"torch.nn.ConvTranspose1d(stride={s}, dilation={d}) has no Keras equivalent: Keras refuses "
                         "strides > 1 together with dilation_rate > 1")
    wanted = (p, p - op)  # torch crops p on the left and p - output_padding on the right of the full output
    choice = None
    for keras_padding in ("valid", "same"):
        for keras_op in (None, *range(s)):
            if conv_transpose_crops(k, s, keras_padding, keras_op, d) == wanted:
                choice = (keras_padding, keras_op)
                break
        if choice:
            break
    if choice is None:
        raise ValueError(f"torch.nn.ConvTranspose1d(kernel_size={k}, stride={s}, padding={p}, output_padding={op}, "
                         f"dilation={d}) crops {wanted[0]} steps on the left and {wanted[1]} on the right of the full "
                         "transposed convolution; no Keras padding ('valid', 'same') with any output_padding crops "
                         "that, so Keras' Conv1DTranspose cannot express it. Use a 'valid' Conv1DTranspose followed by "
                         f"Cropping1D(({wanted[0]}, {wanted[1]})) instead (when both crops are >= 0).")
    weight = _array(module.weight)
    bias = None if module.bias is None else _array(module.bias)
    layer = cls(module.out_channels, k, strides=s, padding=choice[0], output_padding=choice[1], dilation_rate=d,
                use_bias=bias is not None, data_format=data_format, dtype=_dtype(weight), **kwargs)
    shape = ((None, module.in_channels, None) if layer.data_format == "channels_first"
             else (None, None, module.in_channels))
    layer.build(shape)
    layer.built = True
    layer.set_weights([np.transpose(weight, (2, 1, 0))] + ([] if bias is None else [bias]))
    return layer
