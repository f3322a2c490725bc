"""The shape every chapter notebook promises its readers (stored notebooks, no kernel needed).

Each chapter ``notebooks/NN-*.ipynb`` (NN >= 01) opens with its learning goals, shows a static
figure (a stored PNG) before its first widget, asks a prediction question before the widget,
ends with exercises whose solutions are hidden, links to the previous and next notebook, and
carries slide metadata for lecture mode (each widget on its own slide); every static figure has alt
text. The index links to every chapter.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = sorted(path for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb") if not path.name.startswith("00-"))
INDEX = next(NOTEBOOKS.glob("00-*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LINK = re.compile(r"\]\(([^)#\s]+\.ipynb)\)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"])


def output_kinds(cell: dict) -> set[str]:
    return {mime for output in cell.get("outputs", []) for mime in output.get("data", {})}


def test_there_are_chapters():
    assert len(CHAPTERS) >= 2


@pytest.fixture(params=CHAPTERS, ids=lambda path: path.name)
def chapter(request) -> tuple[Path, dict]:
    return request.param, load(request.param)


def test_opens_with_a_title_navigation_and_learning_goals(chapter):
    _, notebook = chapter
    first = source(notebook["cells"][0])
    assert first.startswith("# "), "the first cell is the chapter title"
    assert "What you will see and be able to do" in first
    assert len(re.findall(r"^- ", first, flags=re.M)) >= 3, "at least three learning goals"
    assert LINK.search(first), "navigation links at the top"


def test_a_static_figure_and_a_question_come_before_the_first_widget(chapter):
    _, notebook = chapter
    cells = notebook["cells"]
    widget = next(i for i, cell in enumerate(cells) if WIDGET_MIME in output_kinds(cell))
    assert any("image/png" in output_kinds(cell) for cell in cells[:widget]), "a stored PNG before the widget"
    assert any("Predict before you move" in source(cell) for cell in cells[:widget] if cell["cell_type"] == "markdown")


def test_ends_with_exercises_with_hidden_solutions_and_navigation(chapter):
    _, notebook = chapter
    last = source(notebook["cells"][-1])
    assert "## Exercises" in last
    assert "<details><summary>Solutions</summary>" in last and "</details>" in last
    assert LINK.search(last.split("</details>")[-1]), "navigation links at the bottom"


def test_every_cell_has_slide_metadata_and_sections_start_slides(chapter):
    _, notebook = chapter
    for cell in notebook["cells"]:
        slide_type = cell["metadata"].get("slideshow", {}).get("slide_type")
        assert slide_type in {"slide", "subslide", "fragment", "-", "skip", "notes"}, source(cell)[:60]
        if cell["cell_type"] == "markdown" and source(cell).startswith("#"):
            assert slide_type == "slide", source(cell)[:60]


@pytest.mark.parametrize("path", [INDEX, *CHAPTERS], ids=lambda path: path.name)
def test_links_to_notebooks_resolve(path):
    for cell in load(path)["cells"]:
        for target in LINK.findall(source(cell)):
            assert (NOTEBOOKS / target).is_file(), f"{path.name} links to missing {target}"


def test_the_index_links_every_chapter():
    text = "\n".join(source(cell) for cell in load(INDEX)["cells"])
    for path in CHAPTERS:
        assert f"]({path.name})" in text, f"the index does not link {path.name}"


def test_chapters_link_to_their_neighbours():
    for before, after in zip([INDEX, *CHAPTERS], CHAPTERS):
        after_text = "\n".join(source(cell) for cell in load(after)["cells"])
        assert f"]({before.name})" in after_text, f"{after.name} does not link back to {before.name}"
        if before is not INDEX:
            before_text = "\n".join(source(cell) for cell in load(before)["cells"])
            assert f"]({after.name})" in before_text, f"{before.name} does not link on to {after.name}"


def test_every_widget_starts_its_own_slide(chapter):
    _, notebook = chapter
    for cell in notebook["cells"]:
        if WIDGET_MIME in output_kinds(cell):
            assert cell["metadata"]["slideshow"]["slide_type"] == "slide", source(cell)[:60]


def test_every_widget_output_carries_a_picture_for_readers_without_a_kernel(chapter):
    """A stored widget output holds the app's figure as a PNG (what GitHub, nbviewer and JupyterLab before Run
    All show) and a sentence instead of the ``VBox(…)`` repr (issue 14)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    _, notebook = chapter
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                assert "image/png" in data, f"widget output without a picture: {source(cell)[:60]!r}"
                picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))))
                assert picture[..., :3].std() > 10, f"blank picture: {source(cell)[:60]!r}"
                assert picture.shape[1] <= 960, f"picture wider than a notebook column: {picture.shape}"
                assert "live figure" in "".join(data["text/plain"]), "".join(data["text/plain"])[:80]


def test_every_figure_has_alt_text(chapter):
    """Static images carry a description in the cell metadata "alt" (read by nbconvert's HTML export)."""
    _, notebook = chapter
    for cell in notebook["cells"]:
        if "image/png" in output_kinds(cell):
            alt = cell["metadata"].get("alt", "")
            assert len(alt) >= 60, f"figure cell without a real alt text: {source(cell)[:60]!r}"


def test_every_section_heading_starts_its_own_cell(chapter):
    """A heading in the middle of a cell would not start a slide: sections begin cells."""
    _, notebook = chapter
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            later_lines = source(cell).splitlines()[1:]
            assert not any(line.startswith(("# ", "## ")) for line in later_lines), source(cell)[:60]
