"""An image as terminal cells: each cell is "▀" with the upper pixel as its foreground colour and the lower one
as its background, so one cell shows two square-ish pixels. Works in any truecolour terminal, over SSH and
inside tmux (it is only text)."""

from __future__ import annotations

from tavo_tui.cards.image import RGB, Image

UPPER_HALF = "▀"
Cell = tuple[RGB, RGB]  # (upper pixel, lower pixel)


def fit(width: int, height: int, max_cols: int, max_rows: int) -> tuple[int, int]:
    """(columns, cell rows) that fit the box and keep the aspect ratio; a cell holds two pixel rows."""
    if width <= 0 or height <= 0 or max_cols <= 0 or max_rows <= 0:
        return 0, 0
    scale = min(max_cols / width, 2 * max_rows / height)
    cols = max(1, min(max_cols, round(width * scale)))
    rows = max(1, min(max_rows, round(height * scale / 2)))
    return cols, rows


SAMPLES = 4  # per box side: a big image is averaged over at most 4x4 pixels per half cell


def _steps(start: int, end: int) -> range:
    end = max(end, start + 1)
    return range(start, end, max(1, (end - start) // SAMPLES))


def _average(image: Image, x0: int, x1: int, y0: int, y1: int) -> RGB:
    """The mean colour of (a grid of samples in) the box [x0, x1) x [y0, y1), at least one pixel."""
    total_r = total_g = total_b = n = 0
    for y in _steps(y0, y1):
        for x in _steps(x0, x1):
            r, g, b = image.pixel(x, y)
            total_r, total_g, total_b, n = total_r + r, total_g + g, total_b + b, n + 1
    return total_r // n, total_g // n, total_b // n


def halfblock_cells(image: Image, max_cols: int, max_rows: int) -> list[list[Cell]]:
    """Rows of cells drawing `image` as large as fits in max_cols x max_rows, each cell the average of the
    pixels it covers (a box filter, sampled: a 400-pixel card shrinks to a few columns without aliasing)."""
    cols, rows = fit(image.width, image.height, max_cols, max_rows)
    if not cols:
        return []
    pixel_rows = rows * 2
    xs = [x * image.width // cols for x in range(cols + 1)]
    ys = [y * image.height // pixel_rows for y in range(pixel_rows + 1)]
    out: list[list[Cell]] = []
    for row in range(rows):
        top, bottom = 2 * row, 2 * row + 1
        out.append([
            (_average(image, xs[c], min(xs[c + 1], image.width), ys[top], min(ys[top + 1], image.height)),
             _average(image, xs[c], min(xs[c + 1], image.width), ys[bottom], min(ys[bottom + 1], image.height)))
            for c in range(cols)
        ])
    return out
