"""The GIFs of the animate functions keep every colour the same from frame to frame (a student found the legend's
red arrow swatch of ``animate_backward`` brown in the frames without a red arrow: Pillow chose a palette per frame).
The reference is matplotlib's own rendering of each frame (its ``PillowWriter`` grabs them, before any palette):
every legend swatch's colour, where matplotlib drew it, is that exact colour in that frame of the GIF."""
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

import tinygradconv as tg
from tinygradconv import viz

pytest.importorskip("matplotlib")
from matplotlib.animation import PillowWriter
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch


class Recorder(PillowWriter):
    """Matplotlib's writer, keeping a copy of each frame as matplotlib rendered it (RGB, before any palette) and the
    legend's swatch colours and box (in pixels, top-left origin) at that frame; ``save_gif`` wraps it as it wraps
    ``PillowWriter``, so the reference frames are the ones the GIF is made of (an animation rendered twice lays
    its figure out again, a pixel off here and there)."""

    rendered: ClassVar[list] = []

    def grab_frame(self, **savefig_kwargs):
        super().grab_frame(**savefig_kwargs)
        legend = (self.fig.legends or [a.get_legend() for a in self.fig.axes if a.get_legend()])[0]
        box = legend.get_window_extent()
        height = self.frame_size[1]
        colours = {tuple(round(255 * c) for c in to_rgb(h.get_facecolor() if isinstance(h, Patch) else h.get_color()))
                   for h in legend.legend_handles}
        Recorder.rendered.append((np.asarray(self._frames[-1].convert("RGB")), colours,
                                  (int(box.x0), int(height - box.y1), int(box.x1) + 1, int(height - box.y0) + 1)))


def check_swatches(anim, tmp_path, monkeypatch):
    import matplotlib.animation

    monkeypatch.setattr(matplotlib.animation, "PillowWriter", Recorder)
    Recorder.rendered = []
    path = viz.save_gif(anim, str(tmp_path / "anim.gif"))
    with Image.open(path) as gif:
        assert gif.n_frames == len(Recorder.rendered) > 2
        for i, (drawn, colours, (x0, y0, x1, y1)) in enumerate(Recorder.rendered):
            gif.seek(i)
            shown = np.asarray(gif.convert("RGB"))[y0:y1, x0:x1]
            drawn = drawn[y0:y1, x0:x1]
            for colour in colours:
                where = np.all(drawn == colour, axis=-1)
                assert where.sum() >= 4, (i, colour)                      # the swatch is there in matplotlib's frame
                got = {tuple(int(v) for v in c) for c in shown[where]}
                assert got == {colour}, f"frame {i}: swatch {colour} shown as {sorted(got)}"


def test_animate_backward_legend_swatches_keep_their_colours_in_every_frame(tmp_path, monkeypatch):
    """Frame 0 (the forward state) and the last frames draw no red arrow; the key's red swatch stays red."""
    w = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = ((tg.tensor([1.5, 0.3, -0.4]) * w).tanh() ** 2).mean()
    check_swatches(viz.animate_backward(loss), tmp_path, monkeypatch)


def test_animate_transposed_conv_legend_swatches_keep_their_colours_in_every_frame(tmp_path, monkeypatch):
    check_swatches(viz.animate_transposed_conv([1.0, 2.0, -1.0], [1.0, 0.5, -1.0], strides=2), tmp_path,
                   monkeypatch)


def test_shared_palette_keeps_the_commonest_colours_exactly_and_maps_the_rest_to_the_nearest():
    """A hand-made case: 300 colours over two frames, the 256 commonest kept exact, each of the 44 rarest mapped
    to its nearest kept colour (found here by a loop over the kept colours)."""
    from tinygradconv.viz.animation import shared_palette

    kept = [(i, 255 - i, 7) for i in range(256)]
    common = Image.new("RGB", (256, 2))
    common.putdata(kept * 2)                                          # 256 colours, 2 pixels each
    rare_colours = [(5 * i, 3 * i, 200 - i) for i in range(44)]
    rare = Image.new("RGB", (44, 1))
    rare.putdata(rare_colours)                                         # 44 more, 1 pixel each
    out = shared_palette([common, rare])
    assert out[0].getpalette() == out[1].getpalette()
    assert {tuple(e) for e in np.asarray(out[0].getpalette()).reshape(-1, 3)} == set(kept)
    assert np.array_equal(np.asarray(out[0].convert("RGB")), np.asarray(common))
    def distance(first, second):
        return sum((int(a) - int(b)) ** 2 for a, b in zip(first, second))

    shown = np.asarray(out[1].convert("RGB"))[0]
    for colour, got in zip(rare_colours, shown):            # the nearest (or one as near, where two tie)
        assert tuple(got) in kept and distance(colour, got) == min(distance(colour, k) for k in kept)
