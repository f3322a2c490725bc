"""Fixtures and settings shared by the test modules."""

import pytest
from hypothesis import settings

# No per-example time limit: the machines are shared and timing is noisy (speed lives in benchmarks/).
settings.register_profile("course", deadline=None)
settings.load_profile("course")


@pytest.fixture
def count_draws(monkeypatch):
    """Wrap ``app.canvas.draw`` (the full redraw) with a counter; return the list of calls."""

    def attach(app):
        calls = []
        original = app.canvas.draw

        def counting_draw(*args, **kwargs):
            calls.append(args)
            return original(*args, **kwargs)

        monkeypatch.setattr(app.canvas, "draw", counting_draw)
        return calls

    return attach
