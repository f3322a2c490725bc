"""The built course website in headless Chromium (issue 19): every page loads with no console error and no
request leaving the site, every internal link resolves, every image has alt text, maths is rendered, every
chapter's flipbook answers its slider, and on chapter 02 moving the slider past tau* shows the blow-up."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pdelib.site import WIDGET, chapters
from tests.browser.conftest import VIEWPORT
from tests.site.conftest import SITE

PAGES = ["index.html", "search.html", "genindex.html", *(f"{path.stem}.html" for path in chapters())]
WIDGET_PAGES = [page for page in PAGES if re.match(r"0[1-9]-", page)]
FLIPBOOK = ".pdelib-flipbook"
LOAD_TIMEOUT = 30_000
#: Most bytes a chapter page may load on a first visit (issue 19: at most 4 MB per chapter, README's table).
PAGE_BUDGET = 4_000_000


class Visit:
    """One page in a fresh browser context: requests outside the site are aborted and recorded, console
    errors, page errors, failed requests and HTTP errors recorded."""

    def __init__(self, browser, base: str, page: str) -> None:
        self.base = base
        self.problems: list[str] = []
        self.loaded: list[int] = []
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(
            f"console error: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: request.url.startswith(base) and self.problems.append(
            f"failed: {request.url} {request.failure}"))
        self.page.on("response", lambda response: response.status >= 400 and self.problems.append(
            f"HTTP {response.status}: {response.url}"))
        self.page.on("requestfinished", lambda request: self.loaded.append(request.sizes()["responseBodySize"]))
        self.page.route("**/*", self._route)
        self.page.goto(base + page, wait_until="networkidle", timeout=LOAD_TIMEOUT)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"request leaving the site: {url}")
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    visits = []

    def open_page(page: str) -> Visit:
        visits.append(Visit(browser, site_url, page))
        return visits[-1]

    yield open_page
    for opened in visits:
        opened.close()


def figure_alts(page: str) -> set[str]:
    """The alt metadata of the stored notebook's static figures (cells with an image and no widget)."""
    notebook = json.loads(next(path for path in chapters() if path.stem == page[:-5]).read_text(encoding="utf-8"))
    return {cell["metadata"]["alt"] for cell in notebook["cells"] if "alt" in cell["metadata"]
            and not any(WIDGET in output.get("data", {}) for output in cell.get("outputs", []))
            and any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))}


def ids_of(path: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def broken_links(hrefs: list[str], base: str) -> list[str]:
    """Internal links whose file is missing from the site, or whose #fragment names no element there."""
    broken, ids = [], {}
    for href in hrefs:
        if not href.startswith(base):
            continue
        parts = urlsplit(href)
        path = SITE / unquote(parts.path.removeprefix(urlsplit(base).path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            broken.append(href)
        elif parts.fragment and path.suffix == ".html":
            if path not in ids:
                ids[path] = ids_of(path)
            if unquote(parts.fragment) not in ids[path]:
                broken.append(href)
    return broken


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_from_the_site_alone_with_alt_texts_and_working_links(visit, site_url, name):
    opened = visit(name)
    page = opened.page
    if name == "index.html":
        page.wait_for_url(re.compile(r"00-index\.html$"), timeout=LOAD_TIMEOUT)
        page.wait_for_load_state("networkidle")
    assert opened.problems == [], "\n".join(opened.problems)
    images = page.eval_on_selector_all("img", "images => images.map(i => [i.getAttribute('src').slice(0, 60), "
                                              "(i.getAttribute('alt') || '').trim()])")
    assert [src for src, alt in images if not alt] == [], "images without alt text"
    if re.match(r"\d\d-", name):  # each static figure's alt is its cell's alt metadata
        alts = {alt for _, alt in images}
        assert figure_alts(name) <= alts, figure_alts(name) - alts
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert broken_links(hrefs, site_url) == []
    if re.match(r"\d\d-", name):
        assert page.locator("math").count() > 0, "maths must be rendered (MathML)"
        assert "\\tau" not in page.inner_text("main") and "$" not in page.inner_text("main")
        assert page.locator(".dropdown-launch-buttons a[href*='mybinder.org/v2/gh/']").count() == 1
        assert sum(opened.loaded) <= PAGE_BUDGET, f"{sum(opened.loaded)} bytes on a first visit"


@pytest.mark.parametrize("name", WIDGET_PAGES)
def test_each_chapter_flipbook_answers_its_slider(visit, name):
    page = visit(name).page
    book = page.locator(FLIPBOOK)
    assert book.count() == 1
    slider, image = book.locator("input[type=range]"), book.locator("img")
    status, label = book.locator(".pdelib-flipbook-status"), book.locator("output")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text().strip()
    first = (image.get_attribute("src"), label.inner_text())
    slider.focus()
    page.keyboard.press("End" if slider.input_value() != slider.get_attribute("max") else "Home")
    assert (image.get_attribute("src"), label.inner_text()) != first
    assert slider.get_attribute("aria-valuetext") == label.inner_text()
    assert " ".join(image.get_attribute("alt").split()).endswith(" ".join(status.inner_text().split()))
    natural = page.evaluate(f"document.querySelector('{FLIPBOOK} img').naturalWidth")
    assert natural >= 800, "frames at projector size"


def test_chapter_02_slider_past_the_bound_shows_the_blow_up(visit, tmp_path):
    page = visit("02-explicit-scheme-resnet.html").page
    book = page.locator(FLIPBOOK)
    slider, image = book.locator("input[type=range]"), book.locator("img")
    status, label = book.locator(".pdelib-flipbook-status"), book.locator("output")
    assert label.inner_text().endswith("= 0.90 τ*") and "stable" in status.inner_text()
    slider.focus()
    seen = []
    for _ in range(3):  # 0.95, 1.00, then 1.05 tau*: the first frame past the bound
        before = image.get_attribute("src")
        page.keyboard.press("ArrowRight")
        assert image.get_attribute("src") != before
        seen.append((label.inner_text(), status.inner_text()))
    assert [text for text, _ in seen] == [f"τ = {0.5 * r:.4f} = {r:.2f} τ*" for r in (0.95, 1.0, 1.05)]
    assert all("BLOW-UP" not in text for _, text in seen[:2]), seen
    assert "BLOW-UP at step" in seen[2][1] and "BLOW-UP" in image.get_attribute("alt")
    page.keyboard.press("ArrowLeft")
    assert "BLOW-UP" not in status.inner_text()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.5, y)  # the thumb sits near the middle (1.00 tau*)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, y, steps=8)
    page.mouse.up()
    assert label.inner_text() == "τ = 0.7500 = 1.50 τ*" and "BLOW-UP at step" in status.inner_text()
    book.screenshot(path=str(tmp_path / "chapter-02-flipbook-blow-up.png"))
