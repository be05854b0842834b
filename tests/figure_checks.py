"""Figure checks from the renderer's text extents: every drawn text inside the figure, no two node labels
overlapping, and text at least 7 pt when the figure is shown 10 inches wide."""
import matplotlib


def drawn_texts(fig):
    """The Text artists that a draw actually shows (tick labels only of axes that are on)."""
    texts = list(fig.texts)
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    for ax in fig.axes:
        texts += list(ax.texts) + [ax.title, ax._left_title, ax._right_title]
        if ax.axison:
            texts += [ax.xaxis.label, ax.yaxis.label]
            for axis in (ax.xaxis, ax.yaxis):                 # only the ticks inside the view are drawn
                texts += [tick.label1 for tick in axis._update_ticks() if tick.label1.get_visible()]
        legend = ax.get_legend()
        if legend is not None:
            texts += list(legend.get_texts())
    return [t for t in texts if t.get_visible() and t.get_text()]


def text_box(text, renderer):
    """The text's extent in pixels, including its bbox patch (a node box) when it has one."""
    patch = text.get_bbox_patch()
    if patch is not None:
        return patch.get_window_extent(renderer)
    return text.get_window_extent(renderer)


def check_figure(fig, min_points=7.0, shown_width=10.0, overlap_gids=("tensor:", "op:")):
    """Raise AssertionError naming the first text outside ``fig``, too small, or (for texts whose gid starts with
    one of ``overlap_gids``) overlapping another such text."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bounds = fig.bbox
    scale = min(1.0, shown_width / fig.get_size_inches()[0])
    boxes = []
    for text in drawn_texts(fig):
        box = text_box(text, renderer)
        inside = box.x0 >= bounds.x0 - 0.5 and box.x1 <= bounds.x1 + 0.5 and box.y0 >= bounds.y0 - 0.5 \
            and box.y1 <= bounds.y1 + 0.5
        assert inside, f"text {text.get_text()!r} extends outside the figure: {box.bounds} vs {bounds.bounds}"
        assert text.get_fontsize() * scale >= min_points - 1e-9, \
            f"text {text.get_text()!r} is {text.get_fontsize() * scale:.1f} pt when shown {shown_width} in wide"
        if (text.get_gid() or "").startswith(overlap_gids):
            boxes.append((text, box))
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            assert not box_a.overlaps(box_b), f"labels {a.get_text()!r} and {b.get_text()!r} overlap"
    return True


__all__ = ["check_figure", "drawn_texts", "matplotlib"]
