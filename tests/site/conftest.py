"""Fixtures of the site tests: the built site (``_site/``) served on 127.0.0.1, and the browser fixture of
tests/browser (headless Debian Chromium via playwright, never ``playwright install``).

The site tests run only when ``PDELIB_SITE_TESTS=1`` (after ``python -m pdelib.site build``; ``.ci/run`` does
both): otherwise they are skipped with the reason, so the README's ``python -m pytest`` does not grow."""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser.conftest import browser  # noqa: F401 -- the shared Chromium fixture

REPO = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("PDELIB_SITE_DIR") or REPO / "_site").resolve()
REQUIRED = os.environ.get("PDELIB_SITE_TESTS") == "1"


def pytest_collection_modifyitems(config, items):
    if REQUIRED:
        return
    skip = pytest.mark.skip(reason="the site tests run with PDELIB_SITE_TESTS=1 after `python -m pdelib.site build` "
                                   "(pip install -r requirements-site.txt first); .ci/run runs them")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 -- the base class's name
        pass


@pytest.fixture(scope="module")
def site_url() -> str:
    """The built site served by a static file server on a free port of 127.0.0.1 (stopped after the module)."""
    if not (SITE / "00-index.html").is_file():
        pytest.fail(f"no built site in {SITE}: run `python -m pdelib.site build` first (PDELIB_SITE_TESTS=1)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
