"""The site's copies of the notebooks (pdelib.site, issue 19), without Sphinx or a browser: the widget output
becomes the flipbook with the cell's alt text, static figures keep theirs, the lecture hints come from the
README, the stored widget state is dropped and the stored notebooks are never touched."""

import json
from types import SimpleNamespace

import pytest

import pdelib.apps.flipbook
import pdelib.site
from pdelib.site import WIDGET, chapters, lecture_hints, repository_and_tag, site_notebook

WIDGET_CHAPTERS = [path for path in chapters() if any(
    WIDGET in output.get("data", {}) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
    for output in cell.get("outputs", []))]


@pytest.fixture
def fake_flipbook(monkeypatch):
    """A flipbook stand-in (the real ones are tested in tests/apps/test_flipbook.py and in the site's browser test)."""
    built = []

    def flipbook(app):
        built.append(app)
        return SimpleNamespace(frames=(1, 2, 3), to_html=lambda alt=None: f"<figure>flipbook: {alt}</figure>")

    monkeypatch.setattr(pdelib.apps.flipbook, "flipbook", flipbook)
    monkeypatch.setattr(pdelib.site, "chapter_app", lambda source: source)
    return built


def test_every_widget_chapter_has_lecture_hints():
    hints = lecture_hints()
    assert WIDGET_CHAPTERS and {path.name[:2] for path in WIDGET_CHAPTERS} <= set(hints)
    assert all(len(row) == 3 and all(row) for row in hints.values())


@pytest.mark.parametrize("path", WIDGET_CHAPTERS, ids=lambda path: path.stem)
def test_the_site_copy_shows_the_flipbook_with_the_alt_texts(fake_flipbook, path):
    stored = path.read_text(encoding="utf-8")
    original = json.loads(stored)
    notebook, frames = site_notebook(path, lecture_hints())
    assert path.read_text(encoding="utf-8") == stored, "the stored notebook must not change"
    assert frames == 3 and len(fake_flipbook) == 1 and "pdelib.apps." in fake_flipbook[0]
    assert "widgets" not in notebook["metadata"]
    assert notebook["cells"][1]["id"] == "pdelib-site-lecture" and "In the lecture" in notebook["cells"][1]["source"]
    cells = [cell for cell in notebook["cells"] if cell["id"] != "pdelib-site-lecture"]
    assert len(cells) == len(original["cells"])
    for cell, before in zip(cells, original["cells"]):
        alt = before["metadata"].get("alt")
        data = [output.get("data", {}) for output in cell.get("outputs", [])]
        if any(WIDGET in output.get("data", {}) for output in before.get("outputs", [])):
            assert [sorted(d) for d in data] == [["text/html", "text/plain"]]
            assert data[0]["text/html"] == f"<figure>flipbook: {alt}</figure>" and alt
        elif alt:
            assert cell["metadata"]["mystnb"]["image"]["alt"] == alt
            assert any("image/png" in d for d in data)


def test_the_course_map_gets_the_chapter_toctree(fake_flipbook):
    paths = chapters()
    notebook, frames = site_notebook(paths[0], lecture_hints(), [p.stem for p in paths[1:]])
    assert frames == 0 and not fake_flipbook
    toc = notebook["cells"][-1]["source"]
    assert toc.startswith("```{toctree}") and all(p.stem in toc for p in paths[1:])


def test_the_launch_button_is_pinned_to_the_release_tag(monkeypatch):
    monkeypatch.delenv("PDELIB_REPOSITORY", raising=False)
    assert repository_and_tag() == ("OWNER/REPO", f"v{pdelib.__version__}")
    monkeypatch.setenv("PDELIB_REPOSITORY", "someone/course")
    assert repository_and_tag()[0] == "someone/course"
    monkeypatch.setenv("PDELIB_REPOSITORY", "https://evil/x y")
    with pytest.raises(ValueError, match="PDELIB_REPOSITORY must be owner/name"):
        repository_and_tag()


def test_a_widget_cell_must_build_a_course_app():
    with pytest.raises(ValueError, match="a widget cell must build pdelib.apps"):
        pdelib.site.chapter_app("print(1)")


def test_a_build_never_deletes_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds no build-report.json"):
        pdelib.site.clear(tmp_path, "build-report.json")
    assert (tmp_path / "keep.txt").is_file()
    (tmp_path / "build-report.json").write_text("{}")
    pdelib.site.clear(tmp_path, "build-report.json")
    assert not tmp_path.exists()
