"""Lecture mode and self-study: jupyterlab-slideshow is installed and enabled; Binder pins what the course runs on."""

import subprocess
import sys


def test_slideshow_extension_is_installed_and_enabled():
    """The deck (lecture mode) and the font extension it needs as a shared singleton both load in JupyterLab."""
    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True,
                             text=True, timeout=120)
    text = listing.stdout + listing.stderr
    for extension in ("jupyterlab-slideshow", "@deathbeds/jupyterlab-fonts"):
        line = next((line for line in text.splitlines() if line.split()[:1] == [extension]), "")
        assert "enabled" in line and "OK" in line, f"{extension} missing or disabled:\n{text}"


def pins(path):
    from pathlib import Path

    lines = (Path(__file__).resolve().parents[1] / path).read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_binder_pins_the_runtime_versions_of_the_root_requirements():
    """Binder (self-study) installs what the course runs on, at the same versions; only test tools are left out."""
    root, binder = pins("requirements.txt"), pins("binder/requirements.txt")
    test_tools = {"pytest", "nbval", "pytest-xdist", "hypothesis", "playwright"}
    assert binder == {name: version for name, version in root.items() if name not in test_tools}


def test_the_kernel_handles_widget_messages_on_its_main_thread():
    """A kernel with subshells (ipykernel >= 7) handles JupyterLab's widget messages on other threads, concurrently
    with cell execution; matplotlib is not thread-safe, and ipympl canvases then show blank frames (ipympl#610;
    seen here as an all-white chapter-04 canvas after a diffusivity change). The course's kernel has no subshells,
    so JupyterLab sends every comm message to the main shell."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.kernel_info(reply=True, timeout=60)
        features = reply["content"].get("supported_features", [])
        assert "kernel subshells" not in features, features
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
