"""Seeing what the framework does: connectivity diagrams and matrices, animations, graphs and training curves.

* :func:`connectivity_matrix`, :func:`tap_matrices`, :func:`conv_matrices`: the Jacobian of ``conv1d`` /
  ``conv1d_transpose`` for one channel, computed through the op (no second implementation);
* :func:`plot_connectivity`, :func:`plot_conv_matrix`, :func:`animate_transposed_conv`: draw them;
* :func:`to_dot`, :func:`plot_graph`: the computational graph behind a tensor (``grads=True``: with the gradient at
  every node);
* :func:`record_backward`, :func:`animate_backward`, :func:`plot_gradient_as_transpose`: the backward pass, drawn;
* :func:`model_connectivity_matrix`, :func:`plot_receptive_field`, :func:`overlap_counts`,
  :func:`plot_overlap_counts`: what a whole model connects (``connectivity_matrix`` and ``plot_connectivity``
  accept a Sequential model, or a functional model with one input and one output, too), and the checkerboard
  effect;
* :func:`plot_history`: training and validation curves;
* :func:`show_animation`: play an animation inline in a notebook, as an embedded GIF.

Matplotlib is imported only when a plotting function runs, so ``import tinygradconv.viz`` (and the functions that
compute matrices or DOT text) work without it. Every plotting function takes an optional ``ax`` and returns the
matplotlib object it drew (an Axes, a Figure for multi-panel plots, or the animation). A figure it makes itself is
laid out (constrained layout) to hold every title, label and legend, so a plain ``fig.savefig(path)`` saves all of
it. A picture costs what it draws: a size too large to draw is refused with a ValueError that names the argument,
the value and the limit, before anything is computed.

>>> from tinygradconv.viz import connectivity_matrix
>>> connectivity_matrix("conv1d", 3, kernel_size=2).astype(int).tolist()
[[1, 1, 0], [0, 1, 1]]
"""
from .animation import GIF_DPI, save_gif, show_animation
from .backward import (
    BackwardTrace,
    animate_backward,
    plot_gradient_as_transpose,
    record_backward,
    trace_backward,
)
from .connectivity import (
    KINDS,
    animate_transposed_conv,
    connections,
    connectivity_matrix,
    conv_matrices,
    conv_setting,
    output_length_formula,
    plot_connectivity,
    plot_conv_matrix,
    scatter_steps,
    tap_matrices,
)
from .graph import plot_graph, to_dot
from .history import plot_history
from .model_connectivity import (
    layer_matrices,
    model_connectivity_matrix,
    overlap_counts,
    plot_model_connectivity,
    plot_overlap_counts,
    plot_receptive_field,
)

__all__ = [
    "GIF_DPI",
    "KINDS",
    "BackwardTrace",
    "animate_backward",
    "animate_transposed_conv",
    "connections",
    "connectivity_matrix",
    "conv_matrices",
    "conv_setting",
    "layer_matrices",
    "model_connectivity_matrix",
    "output_length_formula",
    "overlap_counts",
    "plot_connectivity",
    "plot_conv_matrix",
    "plot_gradient_as_transpose",
    "plot_graph",
    "plot_history",
    "plot_model_connectivity",
    "plot_overlap_counts",
    "plot_receptive_field",
    "record_backward",
    "save_gif",
    "scatter_steps",
    "show_animation",
    "tap_matrices",
    "to_dot",
    "trace_backward",
]
