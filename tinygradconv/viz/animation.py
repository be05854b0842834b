"""Animations as GIFs: saved to a file, or shown inline in a notebook (an embedded GIF, no video codec, offline).

:func:`tinygradconv.viz.animate_transposed_conv` and :func:`tinygradconv.viz.animate_backward` return a
``matplotlib.animation.FuncAnimation`` with two extra attributes, ``figure`` (the figure it redraws) and ``fps``
(its frame rate). :func:`show_animation` turns one into an ``IPython.display.Image`` of the GIF: the last
expression of a notebook cell, it plays right there, and the still first frame is not shown under it (its figure
is closed). Without IPython (a plain ``python`` script in an environment without Jupyter) it warns, saying how to
save the GIF instead, and returns None, so that a script that also works as a notebook runs to its end.
"""
from __future__ import annotations

import os
import tempfile
import warnings

from ..validation import number, path_like
from ._mpl import atomic_path, pyplot

#: The fewest frames per second a GIF can hold: its frame delays are counted in hundredths of a second in 16 bits,
#: so a frame lasts at most 655.35 s.
MIN_FPS = 0.01

#: The most: a delay under two hundredths of a second is written as none (above 100 fps) or played by browsers as a
#: tenth of a second, slower than 50 fps (found by a re-tester: ``fps=1000`` wrote frames without a delay).
MAX_FPS = 50

#: The resolutions a GIF is written at: under 5 dots per inch matplotlib grabbed no frame (an ``IndexError`` from
#: inside it), and at 3,000 Pillow refused the image as a "decompression bomb" after a minute and a half.
MIN_DPI, MAX_DPI = 10, 600


def frames_per_second(fps):
    """``fps`` as a float, or a ValueError / TypeError naming the argument (before any drawing): a finite number
    from :data:`MIN_FPS` to :data:`MAX_FPS`."""
    return float(number(fps, "fps", low=MIN_FPS, high=MAX_FPS,
                        expected=f"a number of frames per second from {MIN_FPS} (a GIF frame lasts at most 655 s) "
                                 f"to {MAX_FPS} (browsers play shorter frames slower)"))

GIF_DPI = 120
"""Resolution of every GIF the package writes: 9-point text is 15 pixels tall, readable at the GIF's own size."""


def check_gif_path(path, required=False):
    """``path`` as a string (from a string, bytes or a ``pathlib.Path``) if it ends in ``.gif``, or None when it is
    None and not ``required``: the animate functions check it before drawing anything.

    Raises:
        TypeError: ``path`` is not a path (a number; None when ``required``), naming the argument.
        ValueError: ``path`` does not end in ``.gif``.

    >>> check_gif_path(None), check_gif_path(b"anim.GIF")
    (None, 'anim.GIF')
    """
    if path is None and not required:
        return None
    path = os.fsdecode(path_like(path, "path"))
    if not path.lower().endswith(".gif"):
        raise ValueError(f"Invalid value for argument `path`: animations are written as GIF files, so the path must "
                         f"end in .gif. Received path={path!r}")
    return path


def save_gif(anim, path, fps=None, dpi=GIF_DPI):
    """Write ``anim`` to ``path`` as an animated GIF (Pillow writer), atomically; return the path. Every frame has
    the same palette (:func:`shared_palette`), so a colour, a legend's swatch for one, is the same in every frame.

    Raises:
        ValueError: a ``path`` that does not end in ``.gif`` (Pillow's own "unknown file extension" does not say
            what is expected).
        TypeError: ``anim`` is not a matplotlib animation, or ``path`` is not a path (a string, bytes or a
            ``pathlib.Path``); an ``fps`` or ``dpi`` that is not a number.
        ValueError: an ``fps`` outside :data:`MIN_FPS` to :data:`MAX_FPS`, a ``dpi`` outside :data:`MIN_DPI` to
            :data:`MAX_DPI`, or either not a number (they failed inside matplotlib and Pillow, with ``IndexError``
            or ``OverflowError``, or wrote frames without a delay).
    """
    from matplotlib.animation import Animation, PillowWriter

    if not isinstance(anim, Animation):
        raise TypeError(f"Invalid type for argument `anim`. Expected a matplotlib animation (from "
                        f"viz.animate_transposed_conv or viz.animate_backward). Received anim={anim!r}")
    path = check_gif_path(path, required=True)

    fps = frames_per_second(getattr(anim, "fps", 1.0) if fps is None else fps)
    dpi = number(dpi, "dpi", low=MIN_DPI, high=MAX_DPI,
                 expected=f"a number of dots per inch from {MIN_DPI} to {MAX_DPI}")
    return atomic_path(path, lambda tmp: anim.save(tmp, writer=_shared_palette_writer(PillowWriter)(fps=fps),
                                                   dpi=dpi))


GIF_COLOURS = 256
"""The most colours a GIF frame holds (its palette has 8-bit indices)."""


def shared_palette(frames, colours=GIF_COLOURS):
    """``frames`` (Pillow RGB images) as ``"P"`` images that share one palette: the ``colours`` most frequent colours
    over all of them, each pixel mapped to the nearest of them (Euclidean in RGB), without dithering.

    A GIF holds at most 256 colours a frame, and matplotlib's ``PillowWriter`` lets Pillow choose them frame by
    frame: a colour that covers few pixels in one frame is merged with its neighbours there, so a legend's red
    swatch came out red in the frames with red arrows and brown (136, 72, 68) in the others. With one palette made
    of the colours that cover the most pixels over the whole animation, the flat colours of a figure (its fills,
    lines and legend swatches: the legend is in every frame) are exact and the same in every frame; only the rarest
    shades of anti-aliased edges go to the nearest colour kept. The mapping is computed here rather than by
    Pillow's ``quantize(palette=...)``, whose colour cache maps a colour of the palette to a neighbour of it
    (238, 238, 238 to 236, 236, 236).

    Returns:
        A list of Pillow ``"P"`` images, one per frame, all with the same palette of ``colours`` entries.

    >>> from PIL import Image
    >>> white, red = Image.new("RGB", (4, 1), "white"), Image.new("RGB", (3, 1), (214, 39, 40))
    >>> pink = Image.new("RGB", (1, 1), (250, 200, 200))                  # rarest: goes to the nearest kept
    >>> frames = shared_palette([red, white, white, pink], colours=2)
    >>> frames[0].getpalette()[:6], frames[3].convert("RGB").getpixel((0, 0))   # the commonest first
    ([255, 255, 255, 214, 39, 40], (255, 255, 255))
    """
    from collections import Counter

    import numpy as np
    from PIL import Image

    counts = Counter()
    for frame in frames:                        # one frame at a time: an animation can hold hundreds of them
        for count, colour in frame.convert("RGB").getcolors(frame.width * frame.height):
            counts[colour] += count
    kept = np.array([colour for colour, _ in counts.most_common(colours)], dtype=np.int64)
    palette = np.concatenate([kept, np.repeat(kept[:1], colours - len(kept), axis=0)]).astype(np.uint8)
    out = []
    for frame in frames:
        pixels = np.asarray(frame.convert("RGB"), dtype=np.int64)
        unique, inverse = np.unique((pixels[..., 0] << 16 | pixels[..., 1] << 8 | pixels[..., 2]).ravel(),
                                    return_inverse=True)
        rgb = np.stack([unique >> 16, unique >> 8 & 255, unique & 255], axis=-1)
        nearest = np.argmin(((rgb[:, None, :] - kept[None, :, :]) ** 2).sum(axis=-1), axis=1).astype(np.uint8)
        image = Image.fromarray(nearest[inverse].reshape(pixels.shape[:2]), mode="P")
        image.putpalette(palette.ravel().tolist())
        out.append(image)
    return out


def _shared_palette_writer(base):
    """``base`` (matplotlib's ``PillowWriter``) with one palette for every frame (:func:`shared_palette`), the frames
    mapped onto it without dithering (a dithered flat colour is a pattern of its neighbours). Frames with
    transparency (a figure saved with a transparent face) are left to Pillow as matplotlib does."""
    class SharedPaletteWriter(base):
        def finish(self):
            if all(frame.mode == "RGB" for frame in self._frames):
                self._frames = shared_palette(self._frames)
            return super().finish()

    return SharedPaletteWriter


def _set_aside(anim):
    """Close ``anim``'s figure (a later ``plt.show()`` would show its still first frame) and tell matplotlib that
    it was not forgotten: an animation deleted undrawn warns "Animation was deleted without rendering anything"
    (matplotlib's check for one not kept in a variable), which after show_animation's own warning, saying how to
    save the GIF, misled a student running tutorial 08 as a script without IPython. Matplotlib has no public way
    to say so; its flag is set only where it exists."""
    figure = getattr(anim, "figure", None)
    if figure is not None:
        pyplot().close(figure)
    if hasattr(anim, "_draw_was_started"):
        anim._draw_was_started = True


def show_animation(anim, fps=None, dpi=GIF_DPI):
    """Show an animation inline in a notebook, as an animated GIF embedded in the page.

    The GIF is rendered once (every frame, through Pillow) and carried by the returned object, so the page needs
    no network and no video codec; the animation's figure is then closed, so the notebook does not also show its
    still first frame. Make it the last expression of a cell (or pass it to ``IPython.display.display``).

    Args:
        anim: a ``matplotlib.animation.Animation``, e.g. from :func:`tinygradconv.viz.animate_transposed_conv` or
            :func:`tinygradconv.viz.animate_backward`.
        fps: frames per second (default: the animation's own ``fps`` attribute, else 1).
        dpi: the GIF's resolution (dots per inch of the figure).

    Returns:
        ``IPython.display.Image`` holding the GIF bytes (``.data``), format ``"gif"``; None when IPython is not
        installed (it comes with Jupyter): then a ``UserWarning`` says how to save the GIF to a file instead, as
        matplotlib's ``plt.show()`` warns rather than raises where it cannot show a window, and the animation's
        figure is closed (with no second warning from matplotlib when the unrendered animation is deleted).

    Raises:
        TypeError: ``anim`` is not a matplotlib animation.

    >>> import tinygradconv.viz as viz
    >>> gif = viz.show_animation(viz.animate_transposed_conv([1.0, 2.0], [1.0, 1.0, 1.0], strides=2))
    >>> gif.format, gif.data[:6]
    ('gif', b'GIF89a')
    """
    from matplotlib.animation import Animation

    if not isinstance(anim, Animation):
        raise TypeError(f"Invalid type for argument `anim`. Expected a matplotlib animation (from "
                        f"viz.animate_transposed_conv or viz.animate_backward). Received anim={anim!r}")
    try:
        from IPython.display import Image
    except ImportError:
        warnings.warn("show_animation plays an animation in a Jupyter notebook and needs IPython (pip install "
                      "ipython), which is not installed: nothing shown. To see it from a script, write it as a GIF "
                      "and open that file: pass path='name.gif' to the animate function, or call "
                      "viz.save_gif(anim, 'name.gif').", UserWarning, stacklevel=2)
        _set_aside(anim)
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "animation.gif")
        save_gif(anim, path, fps, dpi)
        with open(path, "rb") as gif:
            data = gif.read()
    figure = getattr(anim, "figure", None)
    if figure is not None:
        pyplot().close(figure)
    return Image(data=data, format="gif")
