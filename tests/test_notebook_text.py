"""Text hygiene of the stored notebooks 00-07 (no kernel needed).

* Markdown cells and alt texts hold no control characters besides the line feed. (A JSON string written
  with "\\tau" where "\\\\tau" was meant stores a TAB and renders as "au".)
* Every formula ``$...$`` / ``$$...$$`` in Markdown parses. Formulas are checked with matplotlib's
  mathtext parser after a small translation of KaTeX/MathJax commands that mathtext lacks (``TRANSLATIONS``
  below: ``\\le`` -> ``\\leq``, size commands ``\\big`` dropped, ``\\operatorname``/``\\text`` -> ``\\mathrm``,
  one-token arguments braced, ``\\tfrac`` -> ``\\frac``). Environments (``\\begin{aligned}`` ...) are beyond
  mathtext: those formulas are checked for balanced braces, ``\\left``/``\\right`` and ``\\begin``/``\\end``.
* Every chapter's stored ipympl canvas state carries a complete PNG data URL, so a reader who opens the
  stored notebook (or a static export that embeds the widget state) sees the widget's last frame.
"""

import base64
import io
import json
import re
from pathlib import Path

import pytest
from matplotlib.mathtext import MathTextParser
from PIL import Image

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
CHAPTERS = [path for path in NOTEBOOKS if not path.name.startswith("00-")]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
FORMULA = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)
#: KaTeX/MathJax -> mathtext: (regular expression, replacement), applied in order.
TRANSLATIONS = [
    (r"\\(le|ge|ne)(?![A-Za-z])", r"\\\1q"),
    (r"\\[bB]igg?[lr]?(?![A-Za-z])", ""),
    (r"\\(operatorname|text)\{", r"\\mathrm{"),
    (r"\\[td]frac(?![A-Za-z])", r"\\frac"),
    (r"\\(mathbf|mathrm)\s+([A-Za-z0-9])", r"\\\1{\2}"),
    (r"\\frac\s*([A-Za-z0-9])\s*([A-Za-z0-9])", r"\\frac{\1}{\2}"),
]
PNG_URL = "data:image/png;base64,"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def markdown_cells(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in load(path)["cells"] if cell["cell_type"] == "markdown"]


def formulas(text: str) -> list[str]:
    text = CODE_SPAN.sub("", text)
    return [display or inline for display, inline in FORMULA.findall(text)]


def translate(formula: str) -> str:
    formula = " ".join(formula.split())
    for pattern, replacement in TRANSLATIONS:
        formula = re.sub(pattern, replacement, formula)
    return formula


def balanced(formula: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", formula):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return (depth == 0 and formula.count("\\left") == formula.count("\\right")
            and re.findall(r"\\begin\{(\w+\*?)\}", formula) == re.findall(r"\\end\{(\w+\*?)\}", formula))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_markdown_and_alt_texts_hold_no_control_characters(path):
    notebook = load(path)
    texts = [("markdown", index, "".join(cell["source"])) for index, cell in enumerate(notebook["cells"])
             if cell["cell_type"] == "markdown"]
    texts += [("alt", index, cell["metadata"]["alt"]) for index, cell in enumerate(notebook["cells"])
              if "alt" in cell["metadata"]]
    found = [(kind, index, repr(text[max(0, m.start() - 15):m.end() + 15]))
             for kind, index, text in texts for m in CONTROL.finditer(text)]
    assert not found, f"control characters (\\t where \\\\tau was meant?): {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_every_formula_parses(path):
    parser = MathTextParser("path")
    failures = []
    count = 0
    for text in markdown_cells(path):
        assert CODE_SPAN.sub("", text).replace("\\$", "").count("$") % 2 == 0, f"unpaired $ in {text[:80]!r}"
        for formula in formulas(text):
            count += 1
            if "\\begin{" in formula:
                if not balanced(formula):
                    failures.append((formula, "unbalanced braces, \\left/\\right or \\begin/\\end"))
                continue
            try:
                parser.parse(f"${translate(formula)}$")
            except ValueError as error:
                failures.append((formula, str(error).splitlines()[-1]))
    assert not failures, failures
    if not path.name.startswith("00-"):
        assert count > 10  # the extraction found the chapter's formulas


def test_the_translation_keeps_what_mathtext_cannot_read_detectable():
    parser = MathTextParser("path")
    katex = r"0 \le \Phi(s)/s \le L,\ \tfrac14 \mathbf 1 \big(x\big) \operatorname{diag}"
    parser.parse("$" + translate(katex) + "$")
    with pytest.raises(ValueError):
        parser.parse("$" + translate(r"\tau \le x^{") + "$")  # a lost brace
    assert balanced(r"\begin{aligned} a &= \left(b\right) \\ c &= d \end{aligned}")
    assert not balanced(r"\begin{aligned} a &= \left(b \end{aligned}")


def canvas_states(path: Path) -> list[dict]:
    state = load(path)["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [model["state"] for model in state.values() if model["model_name"] == "MPLCanvasModel"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.name)
def test_stored_canvas_state_holds_a_png_data_url(path):
    canvases = canvas_states(path)
    assert canvases, "no stored ipympl canvas: execute the notebook top to bottom and store the widget state"
    for state in canvases:
        url = state.get("_data_url") or ""
        assert url.startswith(PNG_URL), f"stored canvas image is not a PNG data URL: {url[:40]!r}"
        png = base64.b64decode(url[len(PNG_URL):], validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(png)) as image:
            image.verify()
            assert image.format == "PNG" and min(image.size) > 100
