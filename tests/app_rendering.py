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
