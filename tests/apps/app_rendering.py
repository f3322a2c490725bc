"""Pixel helpers shared by the headless widget tests: what a full redraw shows against a blit."""

import numpy as np
import pytest


def pixels(app) -> np.ndarray:
    return np.asarray(app.canvas.buffer_rgba()).copy()


def full_redraw_pixels(app) -> np.ndarray:
    """The pixels of a forced full redraw (no cached background, so ``render`` cannot blit)."""
    app._background = None
    app.render()
    return pixels(app)


def assert_same_pixels(got: np.ndarray, expected: np.ndarray, context: str = "") -> None:
    assert got.shape == expected.shape, context
    differ = np.any(got != expected, axis=-1)
    if differ.any():
        rows, cols = np.nonzero(differ)
        pytest.fail(f"{context}: {differ.sum()} pixels differ from a full redraw, in rows {rows.min()}..{rows.max()}, "
                    f"columns {cols.min()}..{cols.max()}")


def assert_moves_blit(app, draws: list, moves: list) -> None:
    """Each (control, value) move takes the blit path (no full draw counted in ``draws``, the list of the
    ``count_draws`` fixture) and leaves the same pixels as a full redraw."""
    full_redraw_pixels(app)
    for name, value in moves:
        before = len(draws)
        app.controls[name].value = value
        assert len(draws) == before, f"{name} = {value!r} must blit (fixed axis limits)"
        assert_same_pixels(pixels(app), full_redraw_pixels(app), f"after {name} = {value!r}")
