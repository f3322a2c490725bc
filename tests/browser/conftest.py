"""Real-browser fixtures: a throwaway JupyterLab server, headless Chromium and a notebook driver.

* ``jupyter_lab`` (session): ``python -m jupyter lab`` on a free port with a random token, every
  Jupyter/IPython/matplotlib/XDG directory in a temp dir and ``root_dir`` a temp COPY of the
  notebook folder (autosave can never touch the committed notebooks). Own process group, killed
  in teardown.
* ``browser`` (session): playwright's sync API driving Debian's chromium (never ``playwright
  install``). Missing playwright or chromium skips the tests, unless ``PDELIB_REQUIRE_BROWSER=1``
  (CI), which turns that into a failure.
* ``ran_chapter`` (function): the chapter of the test (its ``chapter`` parameter, or its
  ``@pytest.mark.chapter("NN")``) opened with a new kernel, Run All done and its outputs checked --
  once per chapter: ``test_chapter_runs[NN-…]`` runs it, and the widget tests of that chapter, ordered
  right after it (those over every widget chapter, ``@pytest.mark.widget_chapters``, last), reuse the page
  with its running kernel. A test that needs the app as Run All left it
  asks ``lab(fresh=True)`` (a new run if a widget test has moved it). One JupyterLab page serves chapter
  after chapter: the previous chapter's notebooks are closed and its kernel shut down, then the next one is
  opened in the same JupyterLab (:meth:`Lab.open`); after a failure the next test gets a new browser context,
  a fresh workspace and Run All.

Environment: ``PDELIB_NOTEBOOK_DIR`` (default: the repo's ``notebooks/``), ``PDELIB_CHROMIUM``
(default: ``chromium`` on PATH, else ``/usr/bin/chromium``), ``PDELIB_REQUIRE_BROWSER``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import TIMINGS_PROPERTY

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(os.environ.get("PDELIB_NOTEBOOK_DIR") or REPO / "notebooks").resolve()
CHAPTER_GLOB = "[0-9][0-9]-*.ipynb"
CHROMIUM = os.environ.get("PDELIB_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUIRE_BROWSER = os.environ.get("PDELIB_REQUIRE_BROWSER") == "1"
VIEWPORT = {"width": 1400, "height": 1000}

# Bounds of every wait (seconds).
SERVER_START_TIMEOUT = 60
SERVER_STOP_TIMEOUT = 15
PAGE_LOAD_TIMEOUT = 60
KERNEL_IDLE_TIMEOUT = 60
RUN_START_TIMEOUT = 5
RUN_ALL_ATTEMPTS = 3
RUN_ALL_TIMEOUT = 120
WIDGETS_TIMEOUT = 20
POLL = 0.1

# JupyterLab 4.6 DOM and commands (checked against 4.6.6).
KERNEL_STATUS = '#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel"]'  # "Python 3 (ipykernel) | Idle"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
CODE_PROMPTS = f"{NOTEBOOK} .jp-CodeCell .jp-InputPrompt"  # "[ ]:", "[*]:", "[3]:"
OUTPUTS = f"{NOTEBOOK} .jp-OutputArea-output"
STDERR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'  # warnings and tracebacks
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # the MIME type of a widget output
MPL_FIGURE = ".jupyter-matplotlib-canvas-div"  # an ipympl figure: 0 x 0 until its first image arrives
WIDGET_LOADING = "Loading widget..."
WIDGET_PROBLEMS = (WIDGET_LOADING, "Error displaying widget")
WIDGET_STATE_ERROR = "Error setting state"  # console error of a widget model that failed to apply its state
MENU_BAR = "#jp-MainMenu"
CLEAR_ALL_OUTPUTS = ("Edit", "editmenu:clear-all")
RUN_ALL_CELLS = ("Run", "runmenu:run-all")
#: Open a notebook / close every document in the running JupyterLab: its application object, which the server
#: exposes to the tests as ``window.jupyterapp`` (``--LabApp.expose_app_in_browser``).
OPEN_NOTEBOOK = """async path => {
    // returns nothing: playwright would serialise the notebook panel the command resolves to (seconds)
    await window.jupyterapp.commands.execute('docmanager:open', {path});
}"""
CLOSE_DOCUMENTS = """() => {
    for (const widget of Array.from(window.jupyterapp.shell.widgets('main'))) {
        if (widget.context) widget.context.model.dirty = false;  // closes without the "save your work?" dialog
        widget.close();
    }
}"""

#: User settings written into JUPYTERLAB_SETTINGS_DIR: no news/update toasts (they would cover
#: elements in screenshots), every cell attached to the DOM (no lazy windowing), no autosave.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False,
                                                    "doNotDisturbMode": True},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def chapter_notebooks() -> list[str]:
    """Names of the chapter notebooks ``NN-*.ipynb`` in the notebook folder, sorted."""
    return sorted(path.name for path in NOTEBOOK_DIR.glob(CHAPTER_GLOB))


def _chapter_of(item) -> str | None:
    """The chapter number "NN" a browser test drives: its ``chapter`` parameter or its chapter marker."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "chapter" in callspec.params:
        return callspec.params["chapter"][:2]
    marker = item.get_closest_marker("chapter")
    return marker.args[0] if marker else None


def pytest_collection_modifyitems(config, items):
    """Order the browser tests by chapter (each chapter's run first, then its widget tests, then the tests
    over every widget chapter, each group in file order), so that ``ran_chapter`` runs every chapter once;
    every other test keeps its place."""

    def key(item):
        params = item.callspec.params if hasattr(item, "callspec") else {}
        group = 2 if item.get_closest_marker("widget_chapters") else int("chapter" not in params)
        return _chapter_of(item) or "99", group

    places = [i for i, item in enumerate(items) if item.get_closest_marker("browser")]
    for place, item in zip(places, sorted((items[i] for i in places), key=key)):
        items[place] = item


def shows_a_widget(name: str) -> bool:
    """Whether the stored outputs of notebook ``name`` hold a widget view (an ipywidgets app)."""
    cells = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))["cells"]
    return any(WIDGET_VIEW in output.get("data", {}) for cell in cells for output in cell.get("outputs", ()))


def pytest_generate_tests(metafunc):
    """``chapter``: every chapter notebook, or (``@pytest.mark.widget_chapters``) those showing a widget."""
    if "chapter" in metafunc.fixturenames:
        names = chapter_notebooks()
        if metafunc.definition.get_closest_marker("widget_chapters"):
            names = [name for name in names if shows_a_widget(name)]
        metafunc.parametrize("chapter", names, ids=names)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# ----------------------------------------------------------------------------- server


class LabServer:
    def __init__(self, process: subprocess.Popen, url: str, token: str, root: Path, log: Path) -> None:
        self.process, self.url, self.token, self.root, self.log = process, url, token, root, log
        self.clients = {}  # kernel id -> jupyter_client.BlockingKernelClient (see execute)

    def api(self, method: str, path: str, timeout: float = 5):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def execute(self, notebook: str, code: str, wait: bool = True, timeout: float = 60) -> str:
        """Send ``code`` to the kernel of ``notebook`` as a second client (jupyter_client, the kernel's connection
        file in the server's runtime dir), beside the page: what the kernel sends to widgets reaches the page,
        its cells and prompts stay untouched. Waits for the reply (fails on an error) unless ``wait`` is False;
        returns the request's id for :meth:`wait_reply`. One client per kernel, kept until the server stops."""
        kernel = self.kernel_of(notebook)
        if kernel not in self.clients:
            from jupyter_client import BlockingKernelClient

            client = BlockingKernelClient(connection_file=str(self.log.parent / "home" / "runtime" / f"kernel-{kernel}.json"))
            client.load_connection_file()
            # the shell channel alone: replies are all a test reads; a heartbeat channel's thread took about
            # 1 s to stop per kernel, paid at the end of the run
            client.start_channels(iopub=False, stdin=False, hb=False, control=False)
            self.clients[kernel] = client
        request = self.clients[kernel].execute(code, silent=True, store_history=False)
        if wait:
            self.wait_reply(notebook, request, timeout)
        return request

    def kernel_of(self, notebook: str) -> str:
        sessions = [session for session in self.api("GET", "/api/sessions") if session["path"] == notebook]
        if len(sessions) != 1:
            pytest.fail(f"expected one kernel session of {notebook}, found {len(sessions)}")
        return sessions[0]["kernel"]["id"]

    def wait_reply(self, notebook: str, request: str, timeout: float = 60) -> None:
        """Wait for the reply to ``request`` (an id :meth:`execute` returned); fail on an error."""
        client = self.clients[self.kernel_of(notebook)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == request:
                if reply["content"]["status"] != "ok":
                    pytest.fail(f"code sent to the kernel of {notebook} failed: {reply['content'].get('evalue')}")
                return
        pytest.fail(f"no reply from the kernel of {notebook} within {timeout} s")

    def close_clients(self) -> None:
        for client in self.clients.values():
            client.stop_channels()
        self.clients.clear()

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def shutdown_sessions(self) -> None:
        """Shut down every kernel session, so the next test starts with a fresh kernel."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=15)
        except (OSError, ValueError):
            pass  # the server log tells more; a stuck session must not fail the next test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(home: Path) -> dict[str, str]:
    dirs = {
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings", "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_CONFIG_DIR": "config",
        "IPYTHONDIR": "ipython", "MPLCONFIGDIR": "matplotlib", "XDG_CONFIG_HOME": "xdg/config",
        "XDG_CACHE_HOME": "xdg/cache", "XDG_DATA_HOME": "xdg/data", "XDG_STATE_HOME": "xdg/state",
        "XDG_RUNTIME_DIR": "xdg/runtime",
    }
    env = dict(os.environ)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    for name, sub in dirs.items():
        path = home / sub
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[name] = str(path)
    for plugin, values in LAB_SETTINGS.items():
        target = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    return env


def _stop(process: subprocess.Popen) -> None:
    """Kill the server's process group: SIGTERM (the server shuts its kernels down), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, SERVER_STOP_TIMEOUT), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _start_server(root: Path, env: dict[str, str], log: Path) -> LabServer:
    """Start ``jupyter lab`` on a free port in its own process group; return once it answers."""
    token = secrets.token_hex(24)
    for _attempt in range(3):  # another process may grab the free port before the server binds it
        port = _free_port()
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--port-retries=0", f"--IdentityProvider.token={token}", "--allow-root",
            "--LanguageServerManager.autodetect=False", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: Lab.open and Lab.close_notebooks
        ]
        with open(log, "ab") as log_file:
            process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        server = LabServer(process, f"http://127.0.0.1:{port}", token, root, log)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while process.poll() is None:
            try:
                server.api("GET", "/api/status", timeout=2)
                return server
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    _stop(process)
                    pytest.fail(f"jupyter lab not answering /api/status after {SERVER_START_TIMEOUT} s; "
                                f"log {log}:\n{server.log_tail()}")
                time.sleep(0.2)
        if "already in use" not in server.log_tail():
            break
    pytest.fail(f"jupyter lab exited with code {process.returncode}; log {log}:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    if not NOTEBOOK_DIR.is_dir():
        pytest.fail(f"notebook folder {NOTEBOOK_DIR} does not exist (PDELIB_NOTEBOOK_DIR?)")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"  # a copy: autosave and checkpoints never touch the committed notebooks
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    server = _start_server(root, _server_env(base / "home"), base / "server.log")
    try:
        yield server
    finally:
        server.close_clients()
        server.shutdown_sessions()
        _stop(server.process)


# ----------------------------------------------------------------------------- browser


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (PDELIB_REQUIRE_BROWSER=1)")
    pytest.skip(f"{reason}; to run the browser tests: apt-get install chromium (Debian) -- set "
                "PDELIB_REQUIRE_BROWSER=1 to make a missing browser fail instead of skip")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed: {exc}")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no chromium executable at {CHROMIUM} (set PDELIB_CHROMIUM)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
    except Exception as exc:  # noqa: BLE001 -- any launch problem means "no usable browser"
        playwright.stop()
        _unavailable(f"cannot launch {CHROMIUM}: {exc}")
    yield browser
    browser.close()
    playwright.stop()


# ----------------------------------------------------------------------------- driver


class Lab:
    """Drive one notebook in JupyterLab; every wait is bounded and fails with context."""

    def __init__(self, page, server: LabServer, artifacts: Path) -> None:
        self.page, self.server, self.artifacts = page, server, artifacts
        self.name = None
        self.started = False  # JupyterLab has started in this page
        self.timings: dict[str, float] = {}
        self.page_errors: list[str] = []  # uncaught exceptions and console errors of the page
        page.on("pageerror", lambda error: self.page_errors.append(str(error)[:300]))
        page.on("console", lambda message: self.page_errors.append(message.text[:300])
                if message.type == "error" else None)

    # --- helpers
    def screenshot(self, label: str) -> Path:
        path = self.artifacts / f"{label}.png"
        try:
            self.page.screenshot(path=str(path))
        except Exception as exc:  # noqa: BLE001 -- a failed screenshot must not hide the real failure
            return Path(f"(screenshot failed: {exc})")
        return path

    def fail(self, message: str):
        __tracebackhide__ = True
        shot = self.screenshot("failure")
        try:
            status = self.kernel_status()
        except Exception as exc:  # noqa: BLE001
            status = f"(unreadable: {exc})"
        errors = f"\n  browser errors (last 4): {self.page_errors[-4:]}" if self.page_errors else ""
        raise AssertionError(f"{self.name}: {message}\n  kernel status: {status!r}\n  screenshot: {shot}{errors}")

    def wait_for(self, probe, done, timeout: float, what: str):
        """Poll ``probe()`` until ``done(value)``; return the value or fail with the last one."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if done(value):
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout} s waiting for {what}; last value: {value!r}")
            time.sleep(POLL)

    def kernel_status(self) -> str:
        status = self.page.locator(KERNEL_STATUS)
        return (status.first.text_content() or "") if status.count() else "(no kernel status item)"

    def kernel_idle(self) -> bool:
        return self.kernel_status().strip().endswith("| Idle")

    def prompts(self) -> list[str]:
        return [text.strip() for text in self.page.locator(CODE_PROMPTS).all_text_contents()]

    def menu(self, entry: tuple[str, str]) -> None:
        title, command = entry
        self.page.keyboard.press("Escape")  # close any menu left open
        self.page.locator(MENU_BAR).get_by_role("menuitem", name=title, exact=True).click(timeout=10_000)
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').click(timeout=10_000)

    def tick(self, phase: str, start: float) -> float:
        now = time.monotonic()
        self.timings[phase] = now - start
        return now

    # --- the flow
    def open(self, name: str) -> None:
        """Open ``name`` (with a new kernel); return once the status bar says the kernel is Idle. The first
        notebook of a page starts JupyterLab in a fresh workspace; later ones open in that JupyterLab, as the file
        browser would (its start took 4–6 s of every chapter), once :meth:`close_notebooks` has closed the
        previous ones."""
        self.name = name
        self.page_errors.clear()
        start = time.monotonic()
        if self.started:
            self.page.evaluate(OPEN_NOTEBOOK, name)
        else:
            workspace = f"test-{uuid.uuid4().hex[:12]}"
            self.page.goto(f"{self.server.url}/lab/workspaces/{workspace}/tree/{name}?token={self.server.token}",
                           timeout=PAGE_LOAD_TIMEOUT * 1000)
            self.started = True
        self.page.locator(NOTEBOOK).wait_for(timeout=PAGE_LOAD_TIMEOUT * 1000)
        loaded = self.tick("page", start)
        # The toolbar reports idle too early (Run All is then silently lost); the status bar does not.
        self.wait_for(self.kernel_status, lambda text: text.strip().endswith("| Idle"), KERNEL_IDLE_TIMEOUT,
                      "the status bar to show the kernel Idle")
        self.tick("kernel", loaded)

    def close_notebooks(self) -> None:
        """Close every open document without saving (Run All changed them; the copies on disk stay as committed)."""
        self.page.evaluate(CLOSE_DOCUMENTS)
        self.wait_for(lambda: self.page.locator(".jp-NotebookPanel").count(), lambda count: count == 0, 10,
                      "every notebook to close")

    def check_stored_outputs(self) -> None:
        """Before Run All, as a notebook opened from disk shows (untrusted: widget views do not render): every
        stored picture is loaded -- the widget outputs' pictures of their figures included -- and no output
        reads as a ``VBox(…)`` line or a widget error (issue 14)."""
        start = time.monotonic()
        stored = json.loads((NOTEBOOK_DIR / self.name).read_text(encoding="utf-8"))
        pictures = sum("image/png" in output.get("data", {})
                       for cell in stored["cells"] for output in cell.get("outputs", []))

        def seen():
            texts = self.page.locator(OUTPUTS).all_text_contents()
            bad = [text[:120] for text in texts if text.startswith("VBox(") or "Error displaying widget" in text]
            loaded = self.page.locator(f"{OUTPUTS} img").evaluate_all(
                "images => images.filter(img => img.complete && img.naturalWidth > 0).length")
            return bad, loaded

        bad, loaded = self.wait_for(seen, lambda value: value[0] or value[1] >= pictures, WIDGETS_TIMEOUT,
                                    f"the {pictures} stored pictures to load")
        if bad:
            self.fail(f"stored outputs show no picture before Run All: {bad}")
        self.tick("stored", start)

    def run_all(self) -> None:
        """Clear outputs, Run All Cells (retried until a prompt changes), wait for every count."""
        start = time.monotonic()
        self.menu(CLEAR_ALL_OUTPUTS)  # committed notebooks carry counts: make any new one visible
        self.wait_for(self.prompts, lambda p: all(text == "[ ]:" for text in p), 10, "cleared prompts")
        if not self.prompts():
            self.tick("run", start)
            return  # no code cells
        for _attempt in range(RUN_ALL_ATTEMPTS):
            self.menu(RUN_ALL_CELLS)
            deadline = time.monotonic() + RUN_START_TIMEOUT
            while time.monotonic() < deadline and all(text == "[ ]:" for text in self.prompts()):
                time.sleep(POLL)
            if not all(text == "[ ]:" for text in self.prompts()):
                break
        else:
            self.fail(f"Run All Cells started nothing in {RUN_ALL_ATTEMPTS} attempts; prompts {self.prompts()}")
        # Finished (or stopped by an error) once nothing is queued and the kernel is idle, twice in a row.
        settled = []

        def finished(prompts):
            settled.append("[*]:" not in prompts and self.kernel_idle())
            return settled[-2:] == [True, True]

        prompts = self.wait_for(self.prompts, finished, RUN_ALL_TIMEOUT, "all cells to finish")
        self.tick("run", start)
        missing = [i for i, text in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", text)]
        if missing:
            self.fail(f"code cells {missing} (0-based) never ran; error outputs: {self.error_outputs()}")

    def error_outputs(self) -> list[str]:
        """Texts of stderr outputs (warnings, tracebacks) and of any output showing a traceback."""
        found = [text[:1500] for text in self.page.locator(f"{OUTPUTS}{STDERR_OUTPUT}").all_text_contents()]
        found += [text[:1500] for text in self.page.locator(OUTPUTS).all_text_contents()
                  if "Traceback (most recent call last)" in text and text[:1500] not in found]
        return found

    def check_outputs(self) -> None:
        """No stderr/traceback output; every widget view, image and ipympl figure rendered."""
        start = time.monotonic()
        errors = self.error_outputs()
        if errors:
            self.fail(f"{len(errors)} error output(s) (stderr or traceback): {errors}")

        def problems():
            texts = self.page.locator(OUTPUTS).all_text_contents()
            bad = [text[:200] for text in texts if any(marker in text for marker in WIDGET_PROBLEMS)]
            loaded = self.page.locator(f"{OUTPUTS} img").evaluate_all(
                "images => images.map(img => img.complete && img.naturalWidth > 0)")
            sizes = self.page.locator(f"{OUTPUTS} {MPL_FIGURE}").evaluate_all(
                "figures => figures.map(f => [f.offsetWidth, f.offsetHeight])")
            return (bad + [f"image {i} not loaded" for i, ok in enumerate(loaded) if not ok]
                    + [f"ipympl figure {i} has size {w} x {h}" for i, (w, h) in enumerate(sizes) if not (w and h)])

        def final(bad):  # wait for views still loading and empty figures, unless a widget already broke
            pending = any(WIDGET_LOADING in text or "ipympl figure" in text for text in bad)
            return not pending or any(WIDGET_STATE_ERROR in error for error in self.page_errors)

        bad = self.wait_for(problems, final, WIDGETS_TIMEOUT, "every widget view, image and figure to render")
        if bad:
            self.fail(f"outputs not rendered: {bad}")
        self.tick("outputs", start)


def _report(driver: Lab, request, tmp_path: Path, start: float) -> bool:
    """Record the test's browser timings; screenshot a failure not already captured. True if it failed."""
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    if failed and not (tmp_path / "failure.png").exists():
        driver.screenshot("failure")  # a failure outside Lab.fail (e.g. a playwright timeout)
    driver.timings["total"] = time.monotonic() - start
    request.node.user_properties.append((TIMINGS_PROPERTY, dict(driver.timings)))
    return failed


class ChapterRun:
    """The one chapter page kept open between tests: which notebook, whether a test has moved its app. The
    browser context, its page and the JupyterLab in it live on from chapter to chapter; a failure gets a new
    context and page."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.context = None
        self.lab: Lab | None = None
        self.used = False  # a widget test has moved its controls
        self.failed = False  # a test failed on it: its state is unknown

    def next_page(self, browser, server: LabServer, artifacts: Path) -> Lab:
        """The page for the next run, the chapter's notebooks closed and its kernel shut down: the same page, or
        after a failure a new one in a new context."""
        if self.lab is not None and not self.failed:
            self.lab.close_notebooks()
            server.shutdown_sessions()
            self.lab.artifacts, self.lab.timings = artifacts, {}
        else:
            if self.context is not None:
                self.context.close()
                server.shutdown_sessions()
            self.context = browser.new_context(viewport=VIEWPORT)
            self.context.set_default_timeout(30_000)
            self.lab = Lab(self.context.new_page(), server, artifacts)
        self.name, self.used, self.failed = None, False, False
        return self.lab

    def close(self, server: LabServer) -> None:
        if self.context is not None:
            self.context.close()
            server.shutdown_sessions()
        self.name, self.context, self.lab, self.used, self.failed = None, None, None, False, False


@pytest.fixture(scope="session")
def _chapter_run(jupyter_lab):
    run = ChapterRun()
    yield run
    run.close(jupyter_lab)


class RanChapter:
    """Hands a test its chapter's page after Run All: :meth:`lab` opens and runs it unless it is already open
    and untouched. A test body calls it, so that a failing run fails the test (not its set-up)."""

    def __init__(self, run: ChapterRun, browser, server: LabServer, name: str, artifacts: Path, widget: bool) -> None:
        self.run, self.browser, self.server, self.name = run, browser, server, name
        self.artifacts, self.widget = artifacts, widget
        self.driver: Lab | None = None

    def lab(self, fresh: bool = False) -> Lab:
        """The chapter's page after Run All. Reused as a previous test left it unless that test failed or
        ``fresh`` is asked for and a widget test has moved the app since the run."""
        run = self.run
        if run.name != self.name or run.failed or fresh and run.used:
            self.driver = run.next_page(self.browser, self.server, self.artifacts)
            self.driver.open(self.name)
            self.driver.check_stored_outputs()
            self.driver.run_all()
            self.driver.check_outputs()
            run.name = self.name
        else:
            self.driver = run.lab
            self.driver.artifacts, self.driver.timings = self.artifacts, {}
        run.used = run.used or self.widget
        return self.driver


@pytest.fixture
def ran_chapter(browser, jupyter_lab, _chapter_run, request, tmp_path):
    marker = request.node.get_closest_marker("chapter")
    if marker is not None:
        name = chapter_notebook(marker.args[0])
    else:
        name = request.node.callspec.params["chapter"]
    ran = RanChapter(_chapter_run, browser, jupyter_lab, name, tmp_path, widget=marker is not None)
    start = time.monotonic()
    try:
        yield ran
    finally:
        if ran.driver is not None and _report(ran.driver, request, tmp_path, start):
            _chapter_run.failed = True


def chapter_notebook(number: str) -> str:
    """The chapter notebook ``<number>-*.ipynb`` in the notebook folder; skip while there is none."""
    names = [name for name in chapter_notebooks() if name.startswith(f"{number}-")]
    if not names:
        pytest.skip(f"no {number}-*.ipynb in {NOTEBOOK_DIR}")
    return names[0]
