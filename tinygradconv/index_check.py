"""The backend rule of index tensors, for ``t[index]`` (checked by the op, ``tg.ops.getitem``, so that a direct call
is checked too) and ``t[index] = value``.

An index tensor must be on the indexed tensor's backend, or on ``numpy`` (the CPU): PyTorch takes CPU indices for a
CUDA tensor and refuses CUDA indices for a CPU one ("indices should be either on cpu or on the same device as the
indexed tensor"). A NumPy array or a list is a CPU index too, and is taken everywhere. So ``n[i]`` with ``n`` on
``numpy`` and ``i`` on ``cupy`` (or on ``array_api_strict``, the test double of a GPU backend) is refused, as
every other mix of backends is, rather than copied back to the CPU without a word.

>>> import tinygradconv as tg
>>> n = tg.tensor([1.0, 2.0, 3.0])
>>> n[tg.tensor([2, 0], dtype="int64")].tolist()
[3.0, 1.0]
"""
from __future__ import annotations

from .backend import Backend

__all__ = ["check_index_backend"]


def check_index_backend(tensor, index) -> None:
    """Refuse an index tensor (alone or in an index tuple) on another backend than ``tensor``'s, unless it is on
    ``numpy``.

    Raises:
        ValueError: naming both backends and the move that fixes it (``index.to(...)``).
    """
    for item in index if isinstance(index, tuple) else (index,):
        backend = getattr(item, "backend", None)
        if isinstance(backend, Backend) and backend is not tensor.backend and backend.name != "numpy":
            raise ValueError(
                f"Invalid value for argument `index`: an index tensor on backend {backend.name!r} for a tensor on "
                f"backend {tensor.backend.name!r}. An index tensor must be on the tensor's backend or on 'numpy' "
                f"(as PyTorch takes CPU indices for a CUDA tensor and refuses CUDA indices for a CPU one): move it "
                f"with index.to({tensor.backend.name!r}), or index with a NumPy array or a list")
