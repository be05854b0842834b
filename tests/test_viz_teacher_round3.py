"""A teacher's third review of the connectivity pictures: padding cells of the transposed convolution named for what
they are, pictures of many taps and of small weights that stay readable, one way of labelling cells, the parity
formula with its parentheses, the taps of a conv1d that land in padding, and the matrix figure sized to its
content.

References are independent of the code under test: Keras layers and ``keras.ops`` (run here), the maths page's text,
the index formula written out here, and the figure as it is drawn.
"""
import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tinygradconv import viz

ROOT = Path(__file__).resolve().parent.parent


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# ------------------------------------------------------------------------------------- 4. the parity formula
@pytest.mark.parametrize("L, k, s, op, d", [(10, 4, 2, 0, 1), (6, 5, 3, 1, 2), (3, 3, 2, 1, 1), (7, 2, 1, 0, 1)])
def test_the_same_padding_formula_brackets_the_parity_as_the_maths_page_does(L, k, s, op, d):
    keras = _keras()
    page = (ROOT / "docs" / "conv1d_transpose_math.md").read_text()
    assert r"$(L-1)s + (k_\text{eff} \bmod 2) + o_p$" in page                   # the maths page's formula
    title = viz.plot_connectivity("conv1d_transpose", L, k, strides=s, padding="same", output_padding=op,
                                  dilation_rate=d).get_title().replace("\n", " ")
    k_eff = (k - 1) * d + 1
    assert "N = (L − 1)·s + (k_eff mod 2) + output_padding" in title
    numbers = re.search(r"= (\(\d+ − 1\)·\d+ \+ \(\d+ mod 2\) \+ \d+) = (\d+)", title)
    assert numbers.group(1) == f"({L} − 1)·{s} + ({k_eff} mod 2) + {op}"
    # read with the brackets as written, the numbers give Keras' own output length
    value = eval(numbers.group(1).replace("−", "-").replace("·", "*").replace("mod", "%"))
    y = keras.ops.conv_transpose(np.ones((1, L, 1), "float32"), np.ones((k, 1, 1), "float32"), strides=s,
                                 padding="same", output_padding=op, dilation_rate=d)
    assert value == int(numbers.group(2)) == y.shape[1]
    plt.close("all")
