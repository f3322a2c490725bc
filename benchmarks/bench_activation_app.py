"""Benchmark of the chapter-03 widget (ActivationApp): update latency for N = 256, 500 explicit steps.

Run:  python benchmarks/bench_activation_app.py

An update is what one slider move costs: the observer recomputes (500 explicit steps), updates the
artists in place and renders (blitting while no axis limit changes). Moves of the contrast lambda and of
a custom control value c_i are interleaved, each a median over the repeats; the machines are shared and
noisy, so compare the ratios and medians, not single runs.

The ipympl canvas is measured in two states:

* live -- after the front-end's "initialized" message, i.e. in JupyterLab: ipympl encodes only the changed
  pixels as a PNG. The target (median <= 35 ms) is for this state.
* headless -- no front-end ever connected (tests, ``nbconvert --execute``): ipympl additionally re-encodes
  the whole figure as a PNG data URL on every frame (``Canvas.syncing_data_url``), which a browser
  session does not pay.
"""

from __future__ import annotations

import statistics
import time
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from pdelib.apps import ActivationApp  # noqa: E402

TARGET_MS = 35.0


def build(live: bool) -> ActivationApp:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Passing unrecognized arguments", category=DeprecationWarning)
        app = ActivationApp(size=256, steps=500)
    if live:  # what ipympl does when JupyterLab has rendered the canvas
        app.canvas._handle_message(app.canvas, {"type": "initialized"}, [])
    return app


def timed_ms(action) -> float:
    start = time.perf_counter()
    action()
    return 1e3 * (time.perf_counter() - start)


def update_latency(live: bool, repeats: int = 40) -> dict[str, float]:
    """Interleaved moves of lambda and of c3 (inside the sector, so all 500 steps run), plus recompute alone."""
    app = build(live)
    contrasts = 10.0 ** np.linspace(-1.5, -0.5, repeats)
    values = np.round(np.linspace(0.2, 0.8, repeats) / 0.05) * 0.05
    rng = np.random.default_rng(0)
    contrast_ms, value_ms, draws = [], [], []
    original_draw = app.canvas.draw

    def counting_draw(*args, **kwargs):
        draws.append(1)
        return original_draw(*args, **kwargs)

    app.canvas.draw = counting_draw
    for i in rng.permutation(repeats):
        contrast_ms.append(timed_ms(lambda: setattr(app.controls["contrast"], "value", float(contrasts[i]))))
        value_ms.append(timed_ms(lambda: setattr(app.controls["c3"], "value", float(values[i]))))
    app.canvas.draw = original_draw
    assert app.run.blowup is None and app.run.norms.size == 501
    recompute_ms = [timed_ms(app.recompute) for _ in range(repeats)]
    family_ms = [timed_ms(lambda f=f: setattr(app.controls["family"], "value", f))
                 for f in ("tanh", "perona-malik", "custom") * 3]
    return {
        "contrast": statistics.median(contrast_ms),
        "value": statistics.median(value_ms),
        "all": statistics.median(contrast_ms + value_ms),
        "full draws": len(draws) / (2 * repeats),
        "recompute": statistics.median(recompute_ms),
        "family": statistics.median(family_ms),
    }


def main() -> None:
    print("ActivationApp (N = 256, 500 steps): median update latency (recompute + redraw + render)")
    results = {}
    for _ in range(2):  # alternate the two canvas states against drifting machine load
        for live in (True, False):
            results.setdefault(live, []).append(update_latency(live))
    for live in (True, False):
        rows = results[live]
        merged = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
        state = "live (front-end connected)" if live else "headless (data-URL PNG every frame)"
        print(f"  {state}")
        print(f"    move λ:                 {merged['contrast']:7.1f} ms")
        print(f"    move a control value:   {merged['value']:7.1f} ms")
        verdict = "met" if merged["all"] <= TARGET_MS else "NOT met"
        target = f"   (target <= {TARGET_MS:.0f} ms: {verdict})" if live else ""
        print(f"    all moves:              {merged['all']:7.1f} ms{target}")
        print(f"    full redraws per move:  {merged['full draws']:7.2f}   (0: every move blitted)")
        print(f"    recompute alone:        {merged['recompute']:7.1f} ms")
        print(f"    change the family:      {merged['family']:7.1f} ms   (new axis limits: full redraw)")


if __name__ == "__main__":
    main()
