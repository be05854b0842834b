"""``Embedding``: integer indices to rows of a learned table, as Keras 3's ``keras.layers.Embedding``.

``Embedding(input_dim, output_dim)`` holds ``embeddings``, a ``(input_dim, output_dim)`` weight; an input of
indices of shape ``S`` gives ``embeddings[indices]``, of shape ``S + (output_dim,)``. The forward pass gathers rows
(the ``getitem`` op); its backward adds each output row's gradient into the row it came from, so an index that
appears twice gets both gradients (a scatter-add, as torch's ``embedding`` backward).

>>> import numpy as np
>>> from tinygradconv.layers import Embedding
>>> layer = Embedding(10, 3, embeddings_initializer="ones")
>>> layer(np.array([[1, 2, 2]])).shape, layer.embeddings.shape
((1, 3, 3), (10, 3))
"""
from __future__ import annotations

import warnings

from .. import constraints, initializers, regularizers
from ..backend import dtype_name
from ..tensor import Tensor
from ..validation import flag, number
from .core import _NO_LORA, serialize
from .layer import Layer

__all__ = ["Embedding"]


def _dimension(value, name):
    """Keras' check of ``input_dim`` / ``output_dim``: a plain positive ``int`` (not a bool, a float or a NumPy int,
    which Keras refuses too)."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a positive integer (a Python int). "
                         f"Received {name}={value!r} (of type {type(value).__name__})")
    return value


class Embedding(Layer):
    """Map each integer index ``i`` in ``[0, input_dim)`` to row ``i`` of ``embeddings`` (``(input_dim,
    output_dim)``): Keras 3's ``Embedding``.

    Args:
        input_dim: the number of rows (the vocabulary size; the largest index + 1), a positive int.
        output_dim: the size of each row, a positive int.
        embeddings_initializer: the rows' initializer (default ``"uniform"``: ``RandomUniform(-0.05, 0.05)``).
        embeddings_regularizer, embeddings_constraint, activity_regularizer: as for
            :class:`~tinygradconv.layers.Dense`'s kernel.
        mask_zero: a bool (default False). ``True`` makes index 0 padding: the output carries the mask
            ``inputs != 0`` (:meth:`compute_mask`; its attribute ``_keras_mask``, as Keras 3), which the next layers
            pass on or use (``GlobalAveragePooling1D`` averages the unmasked steps; a compiled loss and its metrics
            leave the masked steps out): see "Masks" in docs/keras_compatibility.md. Row 0 is still a learned row;
            with ``mask_zero=True``, ``input_dim`` must count it (vocabulary size + 1), as in Keras.
        weights: the initial table, Keras' legacy argument: ``[W]`` (or ``W``) with ``W`` of shape ``(input_dim,
            output_dim)``; the layer is then built at once and ``W`` copied into ``embeddings`` (the initializer is
            not used). Default None.
        lora_rank, lora_alpha: Keras 3.15's LoRA, which tinygradconv does not implement: only ``lora_rank=None``
            (the default) is accepted, as :class:`~tinygradconv.layers.Dense`; ``lora_alpha`` is kept as given and
            changes nothing. :meth:`enable_lora` is refused the same way.
        name, dtype, trainable: as for :class:`~tinygradconv.layers.Layer` (``dtype`` is the table's and the
            output's).

    Inputs, as Keras 3 on torch reads them: integers of any shape; negative indices count from the end
    (``-1`` is row ``input_dim - 1``); floats are truncated toward zero (``1.7`` is 1, ``-0.5`` is 0, Keras' cast to
    ``int32``); bools are 0 and 1.

    Output shape: ``input.shape + (output_dim,)``, of the layer's dtype.

    Raises:
        TypeError: ``mask_zero`` not a bool.
        ValueError: ``input_dim`` or ``output_dim`` not a positive int; ``lora_rank`` not None;
            ``weights`` holding more than one array, or one of another shape than ``(input_dim, output_dim)``.
        IndexError: (when called) an index outside ``[-input_dim, input_dim)``, or a NaN or infinite float index
            (Keras on torch raises ``IndexError: index out of range in self``, from ``torch.nn.functional.embedding``).

    >>> import numpy as np
    >>> layer = Embedding(3, 2)
    >>> layer.build()
    >>> layer.set_weights([np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])])
    >>> layer(np.array([[2, 0, -1]])).numpy().tolist()
    [[[2.0, 2.0], [0.0, 0.0], [2.0, 2.0]]]

    With ``mask_zero=True`` the output carries the mask of the non-zero indices, and ``GlobalAveragePooling1D``
    averages those steps only:

    >>> from tinygradconv.layers import GlobalAveragePooling1D
    >>> masked = Embedding(3, 2, mask_zero=True, weights=[np.array([[9.0, 9.0], [1.0, 1.0], [2.0, 2.0]])])
    >>> y = masked(np.array([[1, 2, 0]]))
    >>> y._keras_mask.numpy().tolist()
    [[True, True, False]]
    >>> GlobalAveragePooling1D()(y).numpy().tolist()
    [[1.5, 1.5]]
    """

    single_input = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if lora_rank is not None:       # (checked before a name is used up, as Dense)
            raise ValueError(_NO_LORA + f" Received lora_rank={lora_rank!r}")
        if lora_alpha is not None:
            number(lora_alpha, "lora_alpha")
        if kwargs.pop("input_length", None) is not None:     # Keras 2's argument, dropped by Keras 3 with a warning
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = _dimension(input_dim, "input_dim")
        self.output_dim = _dimension(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = flag(mask_zero, "mask_zero", "Embedding")
        self.supports_masking = self.mask_zero          # as Keras 3: a mask only with mask_zero=True
        self.lora_rank, self.lora_alpha, self.lora_enabled = None, lora_alpha, False
        self.embeddings = None
        if weights is not None:           # Keras: build, then set_weights([W]) (a bare W is wrapped in a list)
            if isinstance(weights, (list, tuple)) and len(weights) != 1:
                raise ValueError(f"Invalid value for argument `weights` of Embedding: expected [W], one array of "
                                 f"shape ({self.input_dim}, {self.output_dim}) (the table). Received a list of "
                                 f"{len(weights)} items")
            self.build()
            self.set_weights(list(weights) if isinstance(weights, (list, tuple)) else [weights])

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Keras 3.15's LoRA, which tinygradconv does not implement: always a ``ValueError``."""
        raise ValueError(_NO_LORA + f" Received enable_lora(rank={rank!r})")

    def build(self, input_shape=None):
        """Create ``embeddings``; the input shape is not needed (``build()`` works, as in Keras). A built layer
        (one made with ``weights=``, or built already) is left as it is, as Keras' ``Embedding.build``."""
        if self.built:
            return
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        self.built = True

    def _rows(self, inputs):
        """The input as non-negative int64 row numbers (a backend array), checked to be in range."""
        xp = inputs.backend.xp
        indices = inputs.data
        n = self.input_dim
        if xp.isdtype(indices.dtype, "real floating"):
            if not bool(xp.all(xp.isfinite(indices))):
                raise IndexError(f"Embedding '{self.name}': the indices hold NaN or an infinity; expected "
                                 f"integers in [-{n}, {n})")
        elif not (indices.dtype == xp.bool or xp.isdtype(indices.dtype, "integral")):
            raise TypeError(f"Invalid type for argument `inputs` of Embedding '{self.name}'. Expected integer "
                            f"indices. Received an input of dtype {dtype_name(indices.dtype)}")
        # a float is truncated toward zero, as Keras' cast to int32 (astype truncates); a bool is 0 or 1
        rows = xp.astype(indices, xp.int64)
        if rows.size and (bool(xp.any(rows < -n)) or bool(xp.any(rows >= n))):
            raise IndexError(f"Embedding '{self.name}': index out of range: the indices run from "
                             f"{int(xp.min(rows))} to {int(xp.max(rows))}, and input_dim={n} allows "
                             f"-{n} to {n - 1} (negative ones count from the end)")
        return xp.where(rows < 0, rows + n, rows)

    def call(self, inputs):
        rows = Tensor._make(self._rows(inputs), inputs.backend, False, None)
        return self.embeddings[rows]

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` (a bool Tensor of the input's shape, True where a step counts) with ``mask_zero=True``;
        None otherwise. ``inputs``: the indices (a Tensor, a NumPy array or nested lists), compared as given (a
        float ``0.5`` is not 0 here, though its row is row 0: Keras 3 compares the same way). ``mask`` is not used.

        >>> import numpy as np
        >>> Embedding(5, 2, mask_zero=True).compute_mask(np.array([[3, 0, 1]])).numpy().tolist()
        [[True, False, True]]
        """
        if not self.mask_zero:
            return None
        if not isinstance(inputs, Tensor):
            inputs = self._to_input(inputs)
        return Tensor._make(inputs.data != 0, inputs.backend, False, None)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                  "embeddings_initializer": serialize(self.embeddings_initializer, "initializer"),
                  "embeddings_regularizer": serialize(self.embeddings_regularizer, "regularizer"),
                  "activity_regularizer": serialize(self.activity_regularizer, "regularizer"),
                  "embeddings_constraint": serialize(self.embeddings_constraint, "constraint"),
                  "mask_zero": self.mask_zero, "quantization_config": None}
        return config
