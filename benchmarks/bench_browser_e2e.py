"""End-to-end benchmark of the widgets in a real browser: key press -> new pixels on the figure's canvas.

Run:  python benchmarks/bench_browser_e2e.py [NN ...]      (default: every chapter with a widget)
Needs Debian's chromium and playwright, as the browser tests (tests/browser/conftest.py, whose server and
notebook driver this script reuses). For each chapter: open it in JupyterLab, Run All, focus the main
control's slider handle and press an arrow key 20 times (one step each, alternating direction, 0.4 s apart),
first over a plain local connection, then over an emulated remote link.

* Latency: from the browser's ``keydown`` event to the first ``drawImage`` onto the ipympl canvas after it
  (ipympl draws each frame the kernel sends once its PNG is decoded: the moment new pixels exist). Median.
* Bytes per frame: websocket bytes received by the page from the key press to that draw, median.
* The remote link: every byte between browser and server passes a local TCP proxy that holds it for 50 ms
  each way (100 ms round trip) and lets through 1.25 MB/s in each direction (serialisation queue shared by
  all connections). Chrome's ``Network.emulateNetworkConditions`` hardly slows websockets, hence the proxy.
  The page is loaded and run over the same proxy with the link off; the link is switched on for the moves.
* What dominates: the kernel's share is the app's own update time (``benchmarks/bench_*_app.py``, 20-40 ms);
  the rest is the round trip of the slider's state message and the frame's transfer and PNG decode.

Targets: median <= 100 ms locally, <= 250 ms over the remote link.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, NOTEBOOK_DIR, VIEWPORT, Lab, LabServer, _server_env, _start_server, _stop,
)

#: Chapter -> the DOM class of its main control (a slider).
MAIN_CONTROL = {"01": "time", "02": "tau", "03": "contrast", "04": "tau", "05": "tau", "06": "depth",
                "07": "repeat", "08": "tau", "09": "tau_ratio"}
MOVES, PAUSE, FRAME_TIMEOUT = 20, 0.4, 5.0
ONE_WAY_DELAY, RATE = 0.050, 1.25e6  # seconds, bytes per second
TARGETS = {"local": 100.0, "remote": 250.0}

#: Installed in every page before JupyterLab loads: the times of websocket messages sent and received
#: (with their sizes), of keydown events and of draws onto an ipympl canvas.
PROBE = """(() => {
  const e2e = window.__e2e = {keys: [], draws: [], sent: [], received: []};
  document.addEventListener('keydown', () => e2e.keys.push(performance.now()), true);
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    if (this.canvas.closest && this.canvas.closest('.jupyter-matplotlib-canvas-div')) {
      e2e.draws.push(performance.now());
    }
    return draw.apply(this, args);
  };
  const size = data => typeof data === 'string' ? data.length : (data.byteLength ?? data.size ?? 0);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    e2e.sent.push([performance.now(), size(data)]);
    return send.call(this, data);
  };
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const socket = new Native(...args);
    socket.addEventListener('message', event => e2e.received.push([performance.now(), size(event.data)]));
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})()"""

#: One move's phases (ms) from the page's records: key -> first message sent (the slider's new value),
#: sent -> the largest message received before the draw (the frame), that -> the draw (PNG decode + paint).
PHASES = """([key0, draw0]) => {
  const e = window.__e2e, key = e.keys.at(-1), draw = e.draws[draw0];
  const sent = e.sent.find(([t]) => t >= key);
  const inbound = e.received.filter(([t]) => t >= key && t <= draw);
  const frame = inbound.reduce((a, b) => (b[1] > a[1] ? b : a), [draw, 0]);
  return {total: draw - key, send: sent ? sent[0] - key : NaN, kernel: sent ? frame[0] - sent[0] : NaN,
          paint: draw - frame[0], bytes: inbound.reduce((sum, [, n]) => sum + n, 0)};
}"""


class Link:
    """One direction of the emulated link: a serialisation queue at ``rate`` bytes/s, then ``delay`` seconds."""

    def __init__(self) -> None:
        self.on = False
        self.free = 0.0  # when the queue is empty again

    def arrival(self, size: int, now: float) -> float:
        if not self.on:
            return now
        depart = max(now, self.free) + size / RATE
        self.free = depart
        return depart + ONE_WAY_DELAY


class LinkProxy:
    """A TCP proxy on 127.0.0.1 in a background thread; ``up``/``down`` are the two directions of the link."""

    def __init__(self, target_port: int) -> None:
        self.target_port, self.up, self.down = target_port, Link(), Link()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._connect, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _connect(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(client_reader, server_writer, self.up),
                             self._pipe(server_reader, client_writer, self.down), return_exceptions=True)

    async def _pipe(self, reader, writer, link: Link) -> None:
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while (item := await queue.get()) is not None:
                arrival, chunk = item
                await asyncio.sleep(max(0.0, arrival - self.loop.time()))
                writer.write(chunk)
                await writer.drain()
            writer.close()

        delivering = asyncio.ensure_future(deliver())
        try:
            while chunk := await reader.read(65536):
                queue.put_nowait((link.arrival(len(chunk), self.loop.time()), chunk))
        finally:
            queue.put_nowait(None)
            await delivering

    def set_link(self, on: bool) -> None:
        self.up.on = self.down.on = on


def moves(lab: Lab, control: str) -> list[dict[str, float]]:
    """Press an arrow key on ``control``'s slider handle MOVES times; each move's phases (ms) and bytes."""
    page = lab.page
    handle = page.locator(f".pdelib-{control} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    keys = ["ArrowLeft", "ArrowRight"] if at_max else ["ArrowRight", "ArrowLeft"]
    records = []
    for move in range(MOVES):
        time.sleep(PAUSE)
        draws = page.evaluate("() => window.__e2e.draws.length")
        handle.press(keys[move % 2])
        deadline = time.monotonic() + FRAME_TIMEOUT
        while page.evaluate("() => window.__e2e.draws.length") == draws:
            if time.monotonic() > deadline:
                raise AssertionError(f"{lab.name}: no new frame {FRAME_TIMEOUT} s after key press {move}")
            time.sleep(0.005)
        records.append(page.evaluate(PHASES, [0, draws]))
    return records


def main(chapters: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    base = Path(tempfile.mkdtemp(prefix="pdelib-e2e-"))
    root = base / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    server = _start_server(root, _server_env(base / "home"), base / "server.log")
    proxy = LinkProxy(int(server.url.rsplit(":", 1)[1]))
    proxied = LabServer(server.process, f"http://127.0.0.1:{proxy.port}", server.token, root, server.log)
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for number in chapters:
                name = next(path.name for path in sorted(root.glob(f"{number}-*.ipynb")))
                context = browser.new_context(viewport=VIEWPORT)
                context.add_init_script(PROBE)
                page = context.new_page()
                lab = Lab(page, proxied, base)
                proxy.set_link(False)
                lab.open(name)
                lab.run_all()
                lab.check_outputs()
                for condition in ("local", "remote"):
                    proxy.set_link(condition == "remote")
                    records = moves(lab, MAIN_CONTROL[number])
                    median = {key: statistics.median(r[key] for r in records) for key in records[0]}
                    rows.append((number, MAIN_CONTROL[number], condition, median))
                    print(f"{name:45} {condition:6}  median {median['total']:5.0f} ms (key->sent "
                          f"{median['send']:4.0f}, sent->frame in {median['kernel']:4.0f}, frame->drawn "
                          f"{median['paint']:4.0f}), max {max(r['total'] for r in records):5.0f} ms, "
                          f"{median['bytes'] / 1e3:5.1f} KB", flush=True)
                proxy.set_link(False)
                context.close()
                server.shutdown_sessions()
            browser.close()
    finally:
        _stop(server.process)
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nkey press -> new canvas pixels, median over {MOVES} moves (link: {2e3 * ONE_WAY_DELAY:.0f} ms round "
          f"trip, {RATE / 1e6:.2f} MB/s)")
    print(f"{'chapter':8} {'control':9} {'local ms':>9} {'remote ms':>10} {'KB/frame':>9}")
    for number in chapters:
        local, remote = (next(r for r in rows if r[0] == number and r[2] == c) for c in ("local", "remote"))
        print(f"{number:8} {local[1]:9} {local[3]['total']:9.0f} {remote[3]['total']:10.0f} "
              f"{local[3]['bytes'] / 1e3:9.1f}")
    for condition, target in TARGETS.items():
        worst = max(r[3]["total"] for r in rows if r[2] == condition)
        print(f"{condition}: slowest chapter median {worst:.0f} ms, target <= {target:.0f} ms: "
              f"{'met' if worst <= target else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(MAIN_CONTROL))
