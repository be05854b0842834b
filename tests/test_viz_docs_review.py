"""A reviewer's reading of the built docs: numbers that vanished into dark cells, graph labels too small at the
size the page shows them, and animation titles broken inside a formula. Each checked from the artists and the
saved image: contrast computed here from the colour map (WCAG's formula written out), pixel sizes of the PNG
that a notebook's inline backend writes, and the lines of every frame's title."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from tinygradconv import viz


def _luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour (channels 0..1), written out independently of the library."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _overlap_counts(L, k, s):
    """counts[b, q]: kernel copies at full-output position q once inputs 0 .. b-1 are scattered (dilation 1)."""
    counts = np.zeros((L + 1, (L - 1) * s + k))
    for b in range(1, L + 1):
        counts[b] = counts[b - 1]
        counts[b, (b - 1) * s:(b - 1) * s + k] += 1
    return counts


# ----------------------------------------------------------------------------- 1. the checkerboard's numbers
@pytest.mark.parametrize("inputs, kernel, strides, padding", [
    ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0], 2, "same"),            # tutorial 03: counts 1 and 2
    ([1.0, -2.0, 0.5, 3.0], [1.0, 0.5, -1.0, 2.0, 1.0], 2, "valid"),  # counts 1, 2 and 3: three shades
])
def test_every_number_of_the_scatter_animation_contrasts_with_its_cell(inputs, kernel, strides, padding):
    """Found in the docs: cells that received two kernel copies were dark blue with black numbers (contrast 2.8),
    so the 3, 5, 7 that tutorial 03's GIF is about were hard to read. Every number now has a contrast of at
    least 4.5 (WCAG's level for text) with its cell, whose colour is computed here from the colour map."""
    L, k = len(inputs), len(kernel)
    counts = _overlap_counts(L, k, strides)
    top = counts[-1].max()
    blues = matplotlib.colormaps["Blues"]
    anim = viz.animate_transposed_conv(inputs, kernel, strides=strides, padding=padding)
    ax = anim.figure.axes[0]
    white_numbers = 0
    for frame in range(L + 2):
        anim._func(frame)
        cells = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("output:")}
        for text in (t for t in ax.texts if (t.get_gid() or "").startswith("value:")):
            q = int(text.get_gid().split(":")[1])
            cell = cells[f"output:{q}"]
            if cell.get_hatch():                 # hatched (bias only): the number sits on its own white patch
                assert text.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)
                continue
            count = counts[min(frame, L), q]
            expected = blues(0.15 + 0.7 * count / top) if count else (1.0, 1.0, 1.0)
            np.testing.assert_allclose(cell.get_facecolor()[:3], expected[:3], atol=1e-6)
            color = matplotlib.colors.to_rgb(text.get_color())
            assert _contrast(color, expected) >= 4.5, (frame, q, count, text.get_text(), text.get_color())
            white_numbers += color == (1.0, 1.0, 1.0)
    assert white_numbers > 0                     # the dark cells of the most copies have white numbers
    plt.close(anim.figure)
