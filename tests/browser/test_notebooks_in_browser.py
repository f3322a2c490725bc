"""The course notebooks in a real JupyterLab, driven by headless Chromium (fixtures: conftest.py).

* ``test_chapter_runs[NN-*.ipynb]``: Run All Cells with a new kernel; every code cell gets an
  execution count, no output is stderr or a traceback, every widget view and image renders. The widget
  tests of a chapter (``@pytest.mark.chapter("NN")``) run right after it on the same page and kernel
  (fixture ``ran_chapter``): each chapter runs once, plus once more after a widget test moved its app.
* ``test_widget_works_in_the_slideshow[NN-*.ipynb]``: lecture mode, for every chapter with a widget; last on
  the page and kernel of its chapter: jupyterlab-slideshow's deck (toolbar button) presents the notebook, the
  arrow keys reach the widget's slide, its ipympl canvas holds a non-blank image, its static pictures (chapter 09's
  noisy photograph) are loaded on the slide, one slider moved by keyboard to its other end gives a new status
  line and a new frame (the canvas bitmap changes); Esc leaves the deck.
* ``test_time_step_slider_shows_blowup``: in chapter 02, the time-step app's tau slider moved to
  its maximum by keyboard makes the status line report a blow-up and changes the ipympl figure;
  moved back to its minimum, the blow-up report disappears.
* ``test_order_click_keeps_tau_at_the_same_fraction_of_its_bound``: in chapter 02, clicking n = 2, n = 1 and the
  TV diffusivity keeps tau at 0.9 tau* (the slider's new range and then its value arrive in one message, on a value
  the browser's slider shows unchanged; nothing comes back from the browser).
* ``test_activation_shape_leaving_the_sector_shows_blowup``: in chapter 03, the last control value of
  the custom activation pulled to its minimum (a negative tail: outside the sector) shows a blow-up.
* ``test_fsi_tau_past_the_bound_shows_blowup``: in chapter 04, the FSI app's tau slider at its
  maximum (1.6 tau*) shows a blow-up.
* ``test_multigrid_depth_one_stalls``: in chapter 06, the depth slider at its minimum (smoothing only)
  makes the status report that the iteration stalls.
* ``test_more_blocks_than_trained``: in chapter 07, the repeat slider at its maximum reruns the
  trained blocks 10 times; the status still reports that the symmetric network never grows.
* ``test_amplification_factor_past_the_bound_leaves_the_band``: in chapter 08, tau / tau* at its maximum (2)
  puts the checkerboard's factor at -3: the status says UNSTABLE (and BLOW-UP) and the figure changes.
* ``test_app_fits_a_960_px_column_and_a_projector[NN-*.ipynb]``: every app inside a 960 px output column and a
  1280 x 720 window (file browser closed): canvas no wider, no control text clipped, nothing outside the column,
  the status text inside its area, whose height a move does not change.
* ``test_diffusivity_keeps_the_fsi_tau_at_its_fraction_of_the_bound`` (04): the diffusivity rescales the tau
  slider at 1.6 tau*; it stays there, and nothing comes back from the browser (chapter 02's order and
  diffusivity: ``test_order_click_keeps_tau_at_the_same_fraction_of_its_bound``).
* ``test_grid_size_and_depth_reach_every_level`` (06): N from 2047 to 63 and the depth slider's End key reach
  11 and 6 levels.
* ``test_burst_of_updates_ends_on_a_full_redraw[NN-*.ipynb]``: 20 changes of the app's main slider with a reset
  in between, run in the kernel (a second client) while the page is busy, so that their frames arrive back to
  back; the canvas then equals a full redraw of the same state.
* ``test_index_link_opens_a_chapter``: in the index (as ``test_chapter_runs[00-index.ipynb]`` opened it),
  clicking the link to chapter 01 opens that notebook in a new JupyterLab tab.
* ``test_fixed_point_past_its_threshold_diverges``: in chapter 05, the implicit-step app's tau slider
  at its maximum (100, far above 1/||D||^2) makes the status report the fixed point's divergence.

Run: ``python -m pytest -p no:nbval -o addopts="" tests/browser -v`` (``-m browser`` selects them
elsewhere); ``PDELIB_NOTEBOOK_DIR`` points at another notebook folder.
"""

import io
import time

import numpy as np
import pytest
from matplotlib.image import imread

from tests.browser.conftest import chapter_notebook

pytestmark = pytest.mark.browser

# DOM classes the apps set (pdelib.apps: ``add_class``), as CSS selectors.
APP = ".pdelib-app"
TAU = ".pdelib-tau"
STATUS = ".pdelib-status"
SLIDER_HANDLE = ".noUi-handle"  # ipywidgets 8 sliders are noUiSlider; the handle takes the keys
FIGURE = ".jupyter-matplotlib-canvas-div"  # ipympl: the canvas (and its overlay) inside the app
BLOWUP = "BLOW-UP"

#: Keys that move a focused noUiSlider handle to its maximum / minimum.
KEY_MAX, KEY_MIN = "End", "Home"
SLIDER_TIMEOUT = 20
FIGURE_TIMEOUT = 15


def test_chapter_runs(chapter, ran_chapter):
    ran_chapter.lab()  # opens the chapter, runs all cells, checks every output



class RenderedApp:
    """A rendered app (the one containing the slider ``control``): its slider handle, status line and figure."""

    def __init__(self, lab, control: str = TAU) -> None:
        self.lab = lab
        app = lab.page.locator(APP).filter(has=lab.page.locator(control))
        if app.count() != 1:
            lab.fail(f"expected one {APP} containing {control}, found {app.count()}")
        self.container = app
        self.handle = app.locator(f"{control} {SLIDER_HANDLE}")
        self.status = app.locator(STATUS)
        self.figure = app.locator(FIGURE)
        for part, locator in (("slider handle", self.handle), ("status line", self.status), ("figure", self.figure)):
            if locator.count() != 1:
                lab.fail(f"app has {locator.count()} elements for its {part}")

    def status_text(self) -> str:
        return " ".join((self.status.text_content() or "").split())

    def slider(self) -> dict[str, float]:
        """aria-valuenow/-min/-max of the handle (noUiSlider rounds them to one decimal)."""
        return {key: float(self.handle.get_attribute(f"aria-value{key}")) for key in ("now", "min", "max")}

    def press(self, key: str, goal: str) -> None:
        """Focus the handle, press ``key``; retry once if the slider did not reach ``goal`` (min/max)."""
        for _attempt in range(2):
            self.handle.focus()
            self.handle.press(key)
            try:
                self.lab.wait_for(self.slider, lambda s: abs(s["now"] - s[goal]) <= 1e-9 * max(1, abs(s[goal])),
                                  5, f"the slider at its {goal} after {key}")
                return
            except AssertionError:
                if _attempt:
                    raise

    def wait_status(self, done, what: str) -> str:
        return self.lab.wait_for(self.status_text, done, SLIDER_TIMEOUT, what)

    def settled_figure(self, label: str, unlike: np.ndarray | None = None) -> np.ndarray:
        """The figure's pixels once two screenshots in a row agree, the image is not blank and
        (if given) it differs from ``unlike``. Saved as ``figure-<label>.png`` under tmp_path."""
        shots = [b""]

        def probe():
            shots.append(self.figure.screenshot())
            return shots[-1]

        def done(png):
            if png != shots[-2]:
                return False
            pixels = pixels_of(png)
            return np.ptp(pixels) > 0 and (unlike is None or pixels.shape != unlike.shape or np.any(pixels != unlike))

        what = "the figure to settle" + (" on a non-blank image" if unlike is None else " on a new image")
        what += f" (status when the wait began: {self.status_text()!r})"
        picture = self.lab.wait_for(probe, done, FIGURE_TIMEOUT, what)
        (self.lab.artifacts / f"figure-{label}.png").write_bytes(picture)
        return pixels_of(picture)


def pixels_of(png: bytes) -> np.ndarray:
    return imread(io.BytesIO(png), format="png")


def changed_fraction(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 1.0
    return float(np.mean(np.any(a != b, axis=-1)))


# jupyterlab-slideshow 0.3.4 (deck mode), checked against its DOM: presents the notebook panel itself.
DECK_TOGGLE = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar [data-command="deck:toggle"]'
PRESENTING = 'body[data-jp-deck-mode="presenting"]'
ON_SCREEN = ".jp-deck-mod-onscreen"  # the cells of the slide on screen
DECK_EXIT = ".jp-Deck-Remote button.jp-deck-mod-stop"  # the remote's "Exit Deck" button
DECK_TIMEOUT = 15
#: Deck keys (jupyterlab-slideshow's defaults): next / previous fragment or slide, leave the deck.
KEY_NEXT, KEY_BACK, KEY_LEAVE = "ArrowRight", "ArrowLeft", "Escape"

#: The slider each chapter's slideshow test moves (to its other end: it finds the app as the chapter's tests left it).
TAU_RATIO = ".pdelib-tau_ratio"
SLIDE_CONTROLS = {"01": ".pdelib-time", "02": TAU, "03": ".pdelib-c5", "04": TAU, "05": TAU, "06": ".pdelib-depth",
                  "07": ".pdelib-repeat", "08": TAU, "09": TAU_RATIO}


#: (width, height, FNV-1a hash of the RGBA bytes, spread max - min of the colour values) of an ipympl canvas: its
#: own bitmap, blind to where the page lays the canvas out (a status line one row taller shifts an element
#: screenshot by a fraction of a pixel, which changes ~7 % of its pixels while the frame is the same).
CANVAS_DIGEST = """canvas => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 2166136261, low = 255, high = 0;
    for (let i = 0; i < data.length; i++) {
        hash = Math.imul(hash ^ data[i], 16777619);
        if (i % 4 !== 3) { low = Math.min(low, data[i]); high = Math.max(high, data[i]); }
    }
    return [canvas.width, canvas.height, hash >>> 0, high - low];
}"""


def canvas_digest(app: RenderedApp) -> tuple[int, int, int, int]:
    """:data:`CANVAS_DIGEST` of the app's ipympl canvas (the first canvas of its figure; the second is the overlay)."""
    return tuple(app.figure.locator("canvas").first.evaluate(CANVAS_DIGEST))


class Deck:
    """jupyterlab-slideshow's deck mode on the notebook ``lab`` shows: start, go to a slide, leave."""

    def __init__(self, lab) -> None:
        self.lab = lab

    def presenting(self) -> bool:
        return self.lab.page.locator(PRESENTING).count() == 1

    def start(self) -> None:
        """Click the notebook toolbar's deck button; return once one slide is on screen."""
        self.lab.page.locator(DECK_TOGGLE).click(timeout=DECK_TIMEOUT * 1000)
        self.lab.wait_for(lambda: self.presenting() and self.lab.page.locator(ON_SCREEN).count() > 0, bool,
                          DECK_TIMEOUT, "the deck to present a slide")

    def positions(self, selector: str) -> tuple[int, int]:
        """(index of the first cell on screen, index of the first cell containing ``selector``), -1 if none."""
        return tuple(self.lab.page.evaluate(
            """([onScreen, selector]) => {
                const cells = [...document.querySelectorAll(
                    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')];
                return [cells.findIndex(cell => cell.classList.contains(onScreen)),
                        cells.findIndex(cell => cell.querySelector(selector) !== null)];
            }""", [ON_SCREEN[1:], selector]))

    def go_to(self, selector: str) -> int:
        """Press the deck's arrow keys until the slide on screen contains ``selector``; the number of presses."""
        shown, goal = self.positions(selector)
        if goal < 0:
            self.lab.fail(f"no cell contains {selector}")
        presses = 0
        while self.lab.page.locator(f"{ON_SCREEN} {selector}").count() == 0:
            if presses > len(self.lab.prompts()) + 50:  # more presses than the notebook has slides
                self.lab.fail(f"the deck never showed the slide with {selector} (cell {goal})")
            self.lab.page.keyboard.press(KEY_NEXT if shown < goal else KEY_BACK)
            presses += 1
            shown = self.lab.wait_for(lambda: self.positions(selector)[0], lambda now, was=shown: now != was,
                                      DECK_TIMEOUT, f"the deck to move on from cell {shown} towards cell {goal}")
        return presses

    def leave(self) -> None:
        """Press Esc (as the lecturer does); return once the notebook is back."""
        self.lab.page.keyboard.press(KEY_LEAVE)
        self.lab.wait_for(self.presenting, lambda on: not on, DECK_TIMEOUT, f"{KEY_LEAVE} to leave the deck")

    def exit(self) -> None:
        """Click the remote's exit button, if the deck is still on (after a failure)."""
        if self.presenting():
            self.lab.page.locator(DECK_EXIT).click(timeout=DECK_TIMEOUT * 1000)


@pytest.mark.widget_chapters
def test_widget_works_in_the_slideshow(chapter, ran_chapter):
    """Issue 14: in lecture mode every widget is live -- RISE (jupyterlab-rise 0.43.1, JupyterLab 4.3.4 core of its
    own) showed each one as the text ``VBox(children=...)``. Runs last on the page and kernel of its chapter."""
    lab = ran_chapter.lab()
    control = SLIDE_CONTROLS[chapter[:2]]
    start = time.monotonic()
    # the frames of the chapter's earlier tests are in: a blank canvas below is the deck's doing, not theirs
    lab.wait_for(lambda: canvas_digest(RenderedApp(lab, control)), lambda digest: digest[3] > 0, FIGURE_TIMEOUT,
                 "a non-blank canvas in the notebook before the deck starts")
    deck = Deck(lab)
    deck.start()
    try:
        deck.go_to(f"{APP} {control}")
        now = lab.tick("deck", start)
        app = RenderedApp(lab, control)
        box, view = app.figure.bounding_box(), lab.page.viewport_size
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (box, view)
        # the app's static pictures (chapter 09's noisy photograph beside the figure): loaded, on the slide
        pictures = app.container.locator("img").evaluate_all(
            "images => images.map(img => [img.complete && img.naturalWidth > 0, img.getBoundingClientRect().left,"
            " img.getBoundingClientRect().right])")
        assert all(loaded and left >= 0 and right <= view["width"] for loaded, left, right in pictures), pictures
        before = lab.wait_for(lambda: canvas_digest(app), lambda digest: digest[3] > 0, FIGURE_TIMEOUT,
                              "a non-blank image on the canvas")
        initial = app.wait_status(bool, "the status line to be filled")
        slider = app.slider()
        key, goal = (KEY_MIN, "min") if slider["now"] == slider["max"] else (KEY_MAX, "max")
        app.press(key, goal)
        moved = app.wait_status(lambda text: text != initial, f"a new status line after {key} on {control}")
        lab.wait_for(lambda: canvas_digest(app), lambda digest: digest[2] != before[2] and digest[3] > 0,
                     FIGURE_TIMEOUT, f"a new non-blank frame on the canvas (status {moved!r})")
        app.figure.screenshot(path=str(lab.artifacts / "figure-slide-moved.png"))
        lab.screenshot("slide-moved")
        now = lab.tick("slider", now)
        deck.leave()
        lab.wait_for(lambda: canvas_digest(app), lambda digest: digest[3] > 0, FIGURE_TIMEOUT,
                     "a non-blank canvas in the notebook after leaving the deck")
        lab.tick("leave", now)
    finally:
        deck.exit()  # the deck's "active" setting outlives the page: a failure must not leave it on
    lab.tick("slideshow", start)


@pytest.mark.chapter("02")
def test_order_click_keeps_tau_at_the_same_fraction_of_its_bound(ran_chapter):
    """Issue 14: clicking n = 2 rescales the tau slider (range and value in one message). Before, the slider
    received its new range alone, clamped its old value into it and sent that back: tau = 1.6 tau*, BLOW-UP;
    later the value, applied before the new step, came back snapped to the old one: 0.1130 for 0.1125.
    Then n = 1 and the TV diffusivity (tau* / 10) rescale it again: status and readout show tau at 0.90 tau*
    and nothing comes back from the browser."""
    lab = ran_chapter.lab(fresh=True)
    start = time.monotonic()
    app = RenderedApp(lab)
    initial = app.wait_status(lambda text: "n = 1" in text, "the status line for n = 1")
    assert "= 0.90 τ*" in initial and BLOWUP not in initial, initial
    container = lab.page.locator(APP).filter(has=lab.page.locator(TAU))
    container.locator(".pdelib-order button", has_text="n = 2").click()
    app.wait_status(lambda text: "n = 2" in text, "the status line for n = 2")
    time.sleep(1.5)  # a value echoed back by the browser would arrive within this time
    settled = app.status_text()
    # tau = 0.9 tau*(n = 2) = 0.1125, on the slider's new step (before: snapped to the old step, 0.1130)
    assert "n = 2, τ = 0.1125 = 0.90 τ*" in settled and BLOWUP not in settled, settled
    readout = container.locator(f"{TAU} .widget-readout")
    for step, (action, expect) in enumerate([
            (lambda: container.locator(".pdelib-order button", has_text="n = 1").click(), "n = 1, τ = 0.4500 = 0.90 τ*"),
            (lambda: container.locator(".pdelib-diffusivity select").select_option(label="regularised total variation"),
             "n = 1, τ = 0.0450 = 0.90 τ*"),
            (lambda: container.locator(".pdelib-diffusivity select").select_option(label="linear (heat equation)"),
             "n = 1, τ = 0.4500 = 0.90 τ*")]):
        action()
        text = app.wait_status(lambda text: expect in text, f"{expect!r} (step {step})")
        time.sleep(1.5)  # a value echoed by the browser would arrive within this time
        assert app.status_text() == text and readout.text_content() in text, (text, readout.text_content())
    lab.tick("slider", start)


@pytest.mark.chapter("02")
def test_time_step_slider_shows_blowup(ran_chapter):
    lab = ran_chapter.lab()  # any calm state: as Run All left it, or n = 2 after the order click
    start = time.monotonic()
    app = RenderedApp(lab)

    initial = app.wait_status(bool, "the status line to be filled")
    if BLOWUP in initial:
        lab.fail(f"the app starts in a blow-up: {initial!r}")
    before = app.settled_figure("before")

    app.press(KEY_MAX, "max")
    blown = app.wait_status(lambda text: BLOWUP in text, f"{BLOWUP!r} in the status line at the largest tau")
    after = app.settled_figure("blowup", unlike=before)
    changed = changed_fraction(before, after)
    assert changed > 0.001, f"figure hardly changed by the blow-up ({changed:.2%} of pixels; status {blown!r})"

    app.press(KEY_MIN, "min")
    calm = app.wait_status(lambda text: bool(text) and BLOWUP not in text, f"no {BLOWUP!r} at the smallest tau")
    app.settled_figure("smallest", unlike=after)
    assert BLOWUP not in calm
    lab.tick("slider", start)


def slider_to_blowup(lab, control: str, key: str, goal: str, alarm: str = BLOWUP) -> None:
    """In the chapter ``lab`` ran, press ``key`` on the app's ``control`` slider: the status reports a
    blow-up (the word ``alarm``) and the figure changes."""
    start = time.monotonic()
    app = RenderedApp(lab, control)
    initial = app.wait_status(bool, "the status line to be filled")
    if alarm in initial:
        lab.fail(f"the app starts in a blow-up: {initial!r}")
    before = app.settled_figure("before")
    app.press(key, goal)
    blown = app.wait_status(lambda text: alarm in text, f"{alarm!r} in the status line after {key} on {control}")
    after = app.settled_figure("blowup", unlike=before)
    changed = changed_fraction(before, after)
    assert changed > 0.001, f"figure hardly changed by the blow-up ({changed:.2%} of pixels; status {blown!r})"
    lab.tick("slider", start)


@pytest.mark.chapter("03")
def test_activation_shape_leaving_the_sector_shows_blowup(ran_chapter):
    slider_to_blowup(ran_chapter.lab(), ".pdelib-c5", KEY_MIN, "min")


@pytest.mark.chapter("04")
def test_fsi_tau_past_the_bound_shows_blowup(ran_chapter):
    slider_to_blowup(ran_chapter.lab(), TAU, KEY_MAX, "max")


@pytest.mark.chapter("05")
def test_fixed_point_past_its_threshold_diverges(ran_chapter):
    slider_to_blowup(ran_chapter.lab(), TAU, KEY_MAX, "max", alarm="DIVERGES")


@pytest.mark.chapter("00")
def test_index_link_opens_a_chapter(ran_chapter):
    lab = ran_chapter.lab()  # the index, opened by test_chapter_runs[00-index.ipynb]
    first = chapter_notebook("01")
    # JupyterLab rewrites the href of rendered links: find the link by its text
    link = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown a",
                            has_text="01 · Nonlinear diffusion").first
    link.wait_for(timeout=20_000)
    link.click()
    tab = lab.page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel", has_text=first)
    try:
        tab.wait_for(timeout=30_000)
    except Exception:  # noqa: BLE001 -- playwright's TimeoutError: report with a screenshot
        lab.fail(f"clicking the index link to {first} did not open it in the current tab")
    lab.page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown h1').first.wait_for(timeout=30_000)
    assert "Nonlinear diffusion" in lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) h1").first.inner_text()


@pytest.mark.chapter("06")
def test_multigrid_depth_one_stalls(ran_chapter):
    slider_to_blowup(ran_chapter.lab(), ".pdelib-depth", KEY_MIN, "min", alarm="STALLS")


@pytest.mark.chapter("07")
def test_more_blocks_than_trained(ran_chapter):
    lab = ran_chapter.lab()
    start = time.monotonic()
    app = RenderedApp(lab, ".pdelib-repeat")
    initial = app.wait_status(bool, "the status line to be filled")
    before = app.settled_figure("before")
    app.press(KEY_MAX, "max")
    text = app.wait_status(lambda text: text != initial and "(b) symmetric: never grows" in text,
                           "the status for 10 repetitions")
    assert "(a) standard: GROWS" in text and app.slider()["now"] == app.slider()["max"] == 10, (initial, text)
    after = app.settled_figure("repeated", unlike=before)
    assert changed_fraction(before, after) > 0.001
    lab.tick("slider", start)


@pytest.mark.chapter("08")
def test_amplification_factor_past_the_bound_leaves_the_band(ran_chapter):
    slider_to_blowup(ran_chapter.lab(), TAU, KEY_MAX, "max", alarm="UNSTABLE")


@pytest.mark.chapter("09")
def test_image_tau_past_the_bound_blows_up_the_photograph(ran_chapter):
    """Issue 18: linear diffusion to T = 50, then tau / tau* to 1.6: the status says BLOW-UP and the checkerboard
    replaces the photograph (most of the figure's pixels change, not just the status and a curve)."""
    lab = ran_chapter.lab()
    start = time.monotonic()
    app = RenderedApp(lab, TAU_RATIO)
    app.container.locator(".pdelib-diffusivity select").select_option(label="linear (heat equation)")
    app.wait_status(lambda text: text.startswith("linear"), "the status line for linear diffusion")
    RenderedApp(lab, ".pdelib-time").press(KEY_MAX, "max")
    calm = app.wait_status(lambda text: "T = 50" in text, "the status line for T = 50")
    assert BLOWUP not in calm and "stable" in calm, calm
    before = app.settled_figure("before")
    app.press(KEY_MAX, "max")
    blown = app.wait_status(lambda text: BLOWUP in text, f"{BLOWUP!r} in the status line at tau / tau* = 1.6")
    assert "τ = 1.60 τ*" in blown, blown
    after = app.settled_figure("blowup", unlike=before)
    changed = changed_fraction(before, after)
    assert changed > 0.2, f"the photograph hardly changed by the blow-up ({changed:.1%} of pixels; status {blown!r})"
    lab.tick("slider", start)


#: The slider each chapter's app is moved by (the control of its "what to try"), with the keys that move it.
MAIN_SLIDERS = {"01": ".pdelib-time", "02": TAU, "03": ".pdelib-c5", "04": TAU, "05": TAU, "06": ".pdelib-depth",
                "07": ".pdelib-repeat", "08": TAU, "09": TAU_RATIO}
KEY_UP, KEY_DOWN = "ArrowRight", "ArrowLeft"
#: A notebook column as the issue measured it, and a projector's screen.
COLUMN_PX, PROJECTOR = 960, {"width": 1280, "height": 720}
FILE_BROWSER_TAB = '.jp-SideBar.lm-TabBar [data-id="filebrowser"]'
LEFT_PANEL = "#jp-left-stack"

#: In the browser: every app's box against its output column, its canvas, every clipped text of its controls
#: (a label, a slider's readout, a button whose text is wider than its box), any element sticking out of the
#: column, and its status area.
MEASURE_APPS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .pdelib-app')].map(app => {
  const box = element => element.getBoundingClientRect();
  const column = box(app.closest('.jp-OutputArea-output'));
  const visible = element => element.offsetParent !== null && getComputedStyle(element).display !== 'inline';
  const clipped = [...app.querySelectorAll('.widget-label, .widget-readout, button, .widget-toggle-button')]
    .filter(element => visible(element) && element.scrollWidth > element.clientWidth + 1)
    .map(element => `${element.className}: "${element.textContent.trim()}" ${element.scrollWidth} > ${element.clientWidth}`);
  const outside = [...app.querySelectorAll('*')].filter(element => {
      const b = box(element); return b.width > 0 && (b.right > column.right + 1 || b.left < column.left - 1); })
    .map(element => `${element.tagName}.${element.className} ${Math.round(box(element).left)}..${Math.round(box(element).right)}`);
  const canvas = app.querySelector('canvas'), status = app.querySelector('.pdelib-status');
  return {column: [column.left, column.right], app: [box(app).left, box(app).right],
          canvas: box(canvas).width, clipped, outside: outside.slice(0, 5),
          status: [status.offsetHeight, status.scrollHeight, status.clientHeight]};
})"""


def measure_apps(lab) -> list[dict]:
    apps = lab.page.evaluate(MEASURE_APPS)
    if not apps:
        lab.fail("no pdelib app on the page")
    return apps


def check_fit(lab, where: str) -> None:
    """Every app inside its column, its canvas no wider, no control text clipped, the status text inside its area."""
    for index, app in enumerate(measure_apps(lab)):
        left, right = app["column"]
        context = f"{where}, app {index} in a column {left:.0f}..{right:.0f} px"
        assert left - 1 <= app["app"][0] and app["app"][1] <= right + 1, f"{context}: app box {app['app']}"
        assert app["canvas"] <= right - left, f"{context}: canvas {app['canvas']:.0f} px wide"
        assert not app["clipped"], f"{context}: clipped texts {app['clipped']}"
        assert not app["outside"], f"{context}: elements outside the column {app['outside']}"
        height, scrolled, inside = app["status"]
        assert scrolled <= inside + 1, f"{context}: status text {scrolled} px high in a {inside} px area"


def set_column(lab, width: int) -> float:
    """Size the window so that the notebook's output column is ``width`` px wide (file browser closed)."""
    page = lab.page
    if page.locator(LEFT_PANEL).is_visible():
        page.locator(FILE_BROWSER_TAB).click()  # the current tab: collapses the panel
        lab.wait_for(lambda: page.locator(LEFT_PANEL).is_visible(), lambda shown: not shown, 5, "the file browser to close")
    for _attempt in range(3):
        column = measure_apps(lab)[0]["column"]
        missing = width - (column[1] - column[0])
        if abs(missing) <= 1:
            return column[1] - column[0]
        size = page.viewport_size
        page.set_viewport_size({"width": int(size["width"] + missing), "height": size["height"]})
        time.sleep(0.5)  # JupyterLab lays the panels out again on the window's resize event
    lab.fail(f"could not size the output column to {width} px: {measure_apps(lab)[0]['column']}")


def restore_window(lab) -> None:
    from tests.browser.conftest import VIEWPORT

    lab.page.set_viewport_size(VIEWPORT)
    if not lab.page.locator(LEFT_PANEL).is_visible():
        lab.page.locator(FILE_BROWSER_TAB).click()


def chapter_app(lab, chapter: str) -> RenderedApp:
    number = chapter[:2]
    if number not in MAIN_SLIDERS:
        pytest.skip(f"{chapter} has no widget app")
    return RenderedApp(lab, MAIN_SLIDERS[number])


def test_app_fits_a_960_px_column_and_a_projector(chapter, ran_chapter):
    """Issue 14: every app fits a 960 px notebook column (chapter 06's figure was 1000 px wide, 'P = 2Rᵀ' cut to
    '2F', labels clipped) and a 1280 x 720 window, and its status area keeps its height when a control moves
    (status lines wrapped to 2-4 lines and pushed the figure down on every move)."""
    if chapter[:2] not in MAIN_SLIDERS:
        pytest.skip(f"{chapter} has no widget app")
    lab = ran_chapter.lab()
    start = time.monotonic()
    app = chapter_app(lab, chapter)
    try:
        set_column(lab, COLUMN_PX)
        app.figure.scroll_into_view_if_needed()
        check_fit(lab, f"{COLUMN_PX} px column")
        before, status = measure_apps(lab), app.wait_status(bool, "the status line")
        key = KEY_DOWN if app.slider()["now"] >= app.slider()["max"] else KEY_UP
        app.handle.focus()
        app.handle.press(key)
        app.wait_status(lambda text: text != status, f"a new status line after {key}")
        after = measure_apps(lab)
        assert [a["status"][0] for a in after] == [b["status"][0] for b in before], (before, after)
        check_fit(lab, f"{COLUMN_PX} px column, after {key}")
        lab.page.set_viewport_size(PROJECTOR)
        time.sleep(0.5)
        check_fit(lab, "1280 x 720 window")
    finally:
        restore_window(lab)
    reset_app(lab, app, status)
    lab.tick("layout", start)


def reset_app(lab, app: RenderedApp, status: str) -> None:
    """Click the app's reset button: the status line is again ``status`` (as Run All left it, so that the next
    tests of the chapter may take the page as Run All left it)."""
    app.container.locator(".pdelib-reset").click()
    app.wait_status(lambda text: text == status, f"the status line after Run All again after reset: {status!r}")


@pytest.mark.chapter("04")
def test_diffusivity_keeps_the_fsi_tau_at_its_fraction_of_the_bound(ran_chapter):
    lab = ran_chapter.lab()
    start = time.monotonic()
    app = RenderedApp(lab)
    app.press(KEY_MIN, "min")
    app.press(KEY_MAX, "max")  # 1.6 tau*
    container = lab.page.locator(APP).filter(has=lab.page.locator(TAU))
    linear = app.wait_status(lambda text: "τ = 1.60 τ*" in text, "tau = 1.6 tau* (linear)")
    container.locator(".pdelib-diffusivity select").select_option(label="regularised total variation")
    text = app.wait_status(lambda text: text != linear and "τ = 1.60 τ*" in text, "tau = 1.6 tau* of TV")
    time.sleep(1.5)  # a value echoed by the browser would arrive within this time
    assert app.status_text() == text and app.slider()["now"] == app.slider()["max"], (text, app.slider())
    lab.tick("slider", start)


@pytest.mark.chapter("06")
def test_grid_size_and_depth_reach_every_level(ran_chapter):
    """Issue 14: after N -> 2047 the depth slider's End key reached 8 of 11 levels (its range had changed in the
    kernel; noUiSlider's Home/End keep the range a slider was drawn with). The range is now fixed at 1 .. 11."""
    lab = ran_chapter.lab()
    start = time.monotonic()
    size, depth = RenderedApp(lab, ".pdelib-size"), RenderedApp(lab, ".pdelib-depth")
    size.press(KEY_MAX, "max")
    depth.press(KEY_MAX, "max")
    text = depth.wait_status(lambda text: text.startswith("11 levels:"), "11 levels at N = 2047")
    assert size.container.locator(".pdelib-size .widget-readout").text_content().strip() == "2047"
    size.press(KEY_MIN, "min")
    depth.wait_status(lambda text: text.startswith("depth 11 → 6 levels:"), "6 levels at N = 63")
    assert size.container.locator(".pdelib-size .widget-readout").text_content().strip() == "63"
    depth.press(KEY_MIN, "min")
    depth.wait_status(lambda text: text.startswith("1 level:") and "STALLS" in text, "smoothing only at depth 1")
    depth.press(KEY_MAX, "max")
    assert depth.slider()["now"] == 11, (text, depth.slider())
    lab.tick("slider", start)


REDRAW_ALL_APPS = ("import gc\nfrom pdelib.apps import App\n"
                   "for _app in [o for o in gc.get_objects() if isinstance(o, App)]:\n"
                   "    _app._background = None\n    _app.render()\n")
#: 20 changes of the control NAME of every app that has it, a reset after the tenth, as fast as the kernel can.
BURST = """import gc
from pdelib.apps import App
from pdelib.apps.base import browser_value
for _app in [o for o in gc.get_objects() if isinstance(o, App) and {name!r} in o.controls]:
    _slider = _app.controls[{name!r}]
    for _k in range(20):
        if _k == 10:
            _app.reset()
        _position = _slider.min + (_slider.max - _slider.min) * (_k % 7) / 6
        if hasattr(_slider, "base"):
            _slider.value = _slider.base ** _position
        elif isinstance(_slider.value, float):
            _slider.value = browser_value(_position, _slider.min, _slider.max, _slider.step)
        else:
            _slider.value = round(_position)
"""
BUSY_MS = 1500


def test_burst_of_updates_ends_on_a_full_redraw(chapter, ran_chapter):
    """Issue 14: after 20 quick changes with a reset in between, arriving while the browser is busy, the canvas
    shows what a full redraw of the final state shows (before: doubled titles and tick labels, missing ticks,
    blank canvases: a diff frame drawn over a frame the browser never drew). The changes run in the kernel (a
    second client) while the page's main thread is blocked for 1.5 s, so their frames arrive back to back."""
    if chapter[:2] not in MAIN_SLIDERS:
        pytest.skip(f"{chapter} has no widget app")
    lab = ran_chapter.lab()
    start = time.monotonic()
    app = chapter_app(lab, chapter)
    status = app.wait_status(bool, "the status line")
    app.figure.scroll_into_view_if_needed()
    name = MAIN_SLIDERS[chapter[:2]].removeprefix(".pdelib-")
    request = lab.server.execute(chapter, BURST.format(name=name), wait=False)
    time.sleep(0.2)
    lab.page.evaluate(f"() => {{ const t = performance.now(); while (performance.now() - t < {BUSY_MS}) {{}} }}")
    lab.server.wait_reply(chapter, request)
    time.sleep(0.5)  # the browser draws the frames it received and sends back any value its sliders moved
    lab.server.execute(chapter, "pass")  # queued behind those: the kernel has drawn the final state
    after_burst = app.settled_figure("burst")
    lab.server.execute(chapter, REDRAW_ALL_APPS)
    time.sleep(0.5)
    redrawn = app.settled_figure("redrawn")
    changed = changed_fraction(after_burst, redrawn)
    assert changed <= 0.0005, f"{changed:.3%} of the pixels differ from a full redraw (figure-*.png in {lab.artifacts})"
    reset_app(lab, app, status)
    lab.tick("burst", start)
