"""The course website of all chapters, built offline: ``python -m pdelib.site build`` (issue 19).

The site is Sphinx + MyST-NB + sphinx-book-theme (pinned in ``requirements-site.txt``) over copies of the
stored, nbval-checked notebooks (nothing is executed: ``nb_execution_mode = "off"``). In each copy, made in
``_build/site-src/`` (the notebooks in ``notebooks/`` are never touched):

* the widget cell's output becomes the app's flipbook (:mod:`pdelib.apps.flipbook`): a slider over precomputed
  frames with the status line of each, so the widget makes its point without a kernel; the picture's ``alt`` is
  the cell's ``alt`` metadata;
* every static figure gets its cell's ``alt`` metadata as ``alt`` attribute (MyST-NB's ``mystnb.image.alt``);
* below the title, the chapter's row of the README's *Lecture script* table (the slides, what to ask and move on
  the widget slide, what the room sees) and how to start the slideshow;
* the notebook's stored widget state is dropped (MyST-NB would load a widget manager from a CDN for it).

Nothing is loaded from outside the site: maths is rendered at build time to MathML (latex2mathml; browsers
lay it out natively, no MathJax), the theme's fonts and icons are in its own static files. Each page has
a Binder launch button pinned to the release tag ``v<version>`` of the repository named by the environment
variable ``PDELIB_REPOSITORY`` (``owner/name``; ``OWNER/REPO`` when unset, as in the README's badge).

The same command writes the offline bundle ``_site/pdelib-course-offline.zip`` (the site, the notebooks and
what runs them) and prints each chapter page's weight (its HTML with the flipbook, plus its figure files).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"
SITE_TITLE = "Numerical PDE schemes as neural architectures"

CONF = '''# Written by pdelib.site (python -m pdelib.site build): do not edit.
project = {title!r}
author = "the course authors"
copyright = "the course authors; text CC-BY-4.0, code MIT"
extensions = ["myst_nb", "pdelib.site"]
root_doc = "00-index"
exclude_patterns = ["_build", "_html", "_doctrees"]
nb_execution_mode = "off"
nb_ipywidgets_js = {{}}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph (chapter 09), as JupyterLab reads it
myst_heading_anchors = 3
html_math_renderer = "mathml"
html_theme = "sphinx_book_theme"
html_context = {{"default_mode": "light"}}
html_title = {title!r}
html_static_path = ["_static"]
html_extra_path = ["_extra"]
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {{
    "repository_url": "https://github.com/{repository}",
    "repository_branch": {tag!r},
    "path_to_docs": "notebooks",
    "launch_buttons": {{"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"}},
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_toc_level": 2,
}}
'''

INDEX_REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="0; url=00-index.html"></head>
<body><p><a href="00-index.html">{title}: the course map</a></p></body></html>
"""


def clear(folder: Path, *markers: str) -> None:
    """Delete ``folder`` if it is empty or an earlier build's (it holds one of ``markers``); refuse any other
    folder (``--out .`` must not delete the repository)."""
    if folder.exists():
        if any(folder.iterdir()) and not any((folder / marker).is_file() for marker in markers):
            raise ValueError(f"{folder} is not empty and holds no {' or '.join(markers)} of an earlier build: "
                             "choose another folder")
        shutil.rmtree(folder)


def chapters() -> list[Path]:
    """The course's notebooks ``notebooks/NN-slug.ipynb`` in order (00 is the course map)."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def lecture_hints() -> dict[str, list[str]]:
    """Chapter number -> the cells (slides; ask, then move; what the room sees) of the README's lecture table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Lecture script", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d\d", cells[0]):
            rows[cells[0]] = cells[1:]
    return rows


def lecture_cell(hint: list[str]) -> dict:
    """A markdown cell with a chapter's lecture hints (an admonition below the title)."""
    slides, ask, sees = hint
    text = (":::{admonition} In the lecture\n:class: tip\n"
            f"**Slides:** {slides}.\n\n**On the widget slide, ask, then move:** {ask}.\n\n"
            f"**What the room sees:** {sees}.\n\n"
            "The notebook is the slideshow: in JupyterLab *Run → Run All Cells*, click the title cell, then the "
            "deck button in the notebook toolbar (*Toggle Deck*); **→** next, **←** back, **Esc** leaves. "
            "Below, the widget is a flipbook of precomputed frames: the live one needs a kernel (launch button above).\n:::")
    return {"cell_type": "markdown", "id": "pdelib-site-lecture", "metadata": {}, "source": text}


def chapter_app(source: str):
    """The app a widget cell builds (``pdelib.apps.XApp(...)``), with the notebook's arguments: chapter 07's
    two trained networks are the shipped ones (as the notebook with ``RETRAIN = False``)."""
    import pdelib.apps

    match = re.search(r"pdelib\.apps\.(\w+App)\(", source)
    if not match:
        raise ValueError(f"a widget cell must build pdelib.apps.<Name>App(...), got {source!r:.80}")
    name = match.group(1)
    if name == "StabilityApp":
        from pdelib.nets.trained import chapter_data, chapter_networks

        data = chapter_data()
        models, _ = chapter_networks(data, retrain=False)
        return pdelib.apps.StabilityApp({label: models[label] for label in ("(a) standard", "(b) symmetric")}, data)
    return getattr(pdelib.apps, name)()


def site_notebook(path: Path, hints: dict[str, list[str]], toc: list[str] | None = None) -> tuple[dict, int]:
    """The site's copy of notebook ``path``: flipbook for the widget, alt texts, lecture hints, no widget state;
    ``toc`` (the chapter pages) is appended to the course map as a hidden toctree. Returns (notebook, flipbook frames)."""
    from pdelib.apps.flipbook import flipbook

    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["metadata"].pop("widgets", None)
    frames = 0
    for cell in notebook["cells"]:
        alt = cell.get("metadata", {}).get("alt")
        outputs = cell.get("outputs", [])
        widget_outputs = [output for output in outputs if WIDGET in output.get("data", {})]
        if widget_outputs:
            book = flipbook(chapter_app("".join(cell["source"])))
            frames += len(book.frames)
            for output in widget_outputs:
                plain = output["data"].get("text/plain", "")
                output["data"] = {"text/html": book.to_html(alt=alt), "text/plain": plain}
        elif alt:
            cell["metadata"].setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
    chapter = path.name[:2]
    if chapter in hints:
        notebook["cells"].insert(1, lecture_cell(hints[chapter]))
    if toc:
        notebook["cells"].append({"cell_type": "markdown", "id": "pdelib-site-toc", "metadata": {},
                                  "source": "```{toctree}\n:hidden:\n:maxdepth: 1\n\n" + "\n".join(toc) + "\n```"})
    return notebook, frames


def repository_and_tag() -> tuple[str, str]:
    """The GitHub ``owner/name`` (``PDELIB_REPOSITORY``, else the README's ``OWNER/REPO``) and the release tag."""
    from pdelib import __version__

    repository = os.environ.get("PDELIB_REPOSITORY", "OWNER/REPO")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise ValueError(f"PDELIB_REPOSITORY must be owner/name, got {repository!r}")
    return repository, f"v{__version__}"


def write_sources(source: Path) -> dict[str, int]:
    """Write the Sphinx project (conf.py, the notebooks' site copies, the index redirect) into ``source``.
    Returns the flipbook frames per page."""
    clear(source, "conf.py")
    (source / "_extra").mkdir(parents=True)
    repository, tag = repository_and_tag()
    (source / "conf.py").write_text(CONF.format(title=SITE_TITLE, repository=repository, tag=tag), encoding="utf-8")
    (source / "_extra" / "index.html").write_text(INDEX_REDIRECT.format(title=SITE_TITLE), encoding="utf-8")
    (source / "_static").mkdir()
    hints, paths = lecture_hints(), chapters()
    frames = {}
    for path in paths:
        toc = [p.stem for p in paths[1:]] if path.name.startswith("00-") else None
        notebook, frames[path.stem] = site_notebook(path, hints, toc)
        (source / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return frames


def page_weights(site: Path) -> dict[str, dict[str, int]]:
    """Per chapter page: bytes of its HTML (the flipbook inline) and of the figure files its ``<img>`` load."""
    weights = {}
    for page in sorted(site.glob("[0-9][0-9]-*.html")):
        text = page.read_text(encoding="utf-8")
        images = {src for src in re.findall(r'<img [^>]*src="([^"]+)"', text) if not src.startswith("data:")}
        weights[page.stem] = {"html": page.stat().st_size,
                              "images": sum((page.parent / src).stat().st_size for src in images)}
    return weights


def write_bundle(site: Path, bundle: Path) -> None:
    """The offline bundle: the site (``site/``), the stored notebooks and what runs them (pdelib, requirements)."""
    extras = ["README.md", "LICENSE", "CITATION.cff", "requirements.txt", "pyproject.toml"]
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(site.rglob("*")):
            if path.is_file() and path != bundle:
                archive.write(path, "pdelib-course/site/" + path.relative_to(site).as_posix())
        for path in [*chapters(), *sorted((ROOT / "pdelib").rglob("*"))]:
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, "pdelib-course/" + path.relative_to(ROOT).as_posix())
        for name in extras:
            if (ROOT / name).is_file():
                archive.write(ROOT / name, f"pdelib-course/{name}")


def build(out: Path, source: Path, bundle: bool = True) -> dict:
    """Build the site from the stored notebooks into ``out`` (replaced), the bundle beside its pages; return a
    report: build seconds, frames and weights per page, the bundle's bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from sphinx.cmd.build import build_main

    start = time.monotonic()
    clear(out, ".buildinfo", "build-report.json")  # Sphinx's record, then this build's
    frames = write_sources(source)
    sources = time.monotonic()
    html = source / "_html" / "site"  # MyST-NB writes beside the output folder (jupyter_execute/): keep that in source
    status = build_main(["-b", "html", "-q", "-W", "--keep-going", "-d", str(source / "_doctrees"),
                         str(source), str(html)])
    if status:
        raise RuntimeError(f"sphinx-build failed (exit {status}); its warnings are above")
    shutil.move(html, out)
    report = {"frames": frames, "weights": page_weights(out), "sources_seconds": round(sources - start, 1),
              "sphinx_seconds": round(time.monotonic() - sources, 1)}
    if bundle:
        write_bundle(out, out / "pdelib-course-offline.zip")
        report["bundle"] = (out / "pdelib-course-offline.zip").stat().st_size
    report["seconds"] = round(time.monotonic() - start, 1)
    (out / "build-report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _mathml(latex: str, display: str) -> str:
    from latex2mathml.converter import convert

    return convert(latex.strip(), display=display)


def _visit_math(self, node) -> None:
    from docutils.nodes import SkipNode

    self.body.append(_mathml(node.astext(), "inline"))
    raise SkipNode


def _visit_displaymath(self, node) -> None:
    from docutils.nodes import SkipNode

    self.body.append(f'<div class="math">{_mathml(node.astext(), "block")}</div>')
    raise SkipNode


def setup(app) -> dict:
    """Sphinx extension (the site's conf.py loads ``pdelib.site``): maths rendered at build time as MathML
    (latex2mathml), which browsers lay out natively: no script, no web font, nothing loaded."""
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdelib.site", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="output folder (default: _site)")
    parser.add_argument("--source", type=Path, default=ROOT / "_build" / "site-src",
                        help="folder for the generated Sphinx sources (default: _build/site-src)")
    parser.add_argument("--no-bundle", action="store_true", help="skip the offline zip")
    args = parser.parse_args(argv)
    report = build(args.out.resolve(), args.source.resolve(), bundle=not args.no_bundle)
    print(f"site: {args.out} in {report['seconds']} s ({report['sources_seconds']} s notebooks and flipbooks, "
          f"{report['sphinx_seconds']} s Sphinx)")
    for page, weight in report["weights"].items():
        print(f"  {page}: {weight['html'] / 1e6:.2f} MB HTML + {weight['images'] / 1e6:.2f} MB figures, "
              f"{report['frames'].get(page, 0)} flipbook frames")
    if "bundle" in report:
        print(f"  offline bundle: {report['bundle'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
