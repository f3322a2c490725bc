"""Lecture mode: the RISE slideshow extension is installed with the course (requirements.txt) and enabled."""

import subprocess
import sys


def test_rise_extension_is_installed_and_enabled():
    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True,
                             text=True, timeout=120)
    text = listing.stdout + listing.stderr
    line = next((line for line in text.splitlines() if "jupyterlab-rise" in line), "")
    assert "enabled" in line and "OK" in line, f"jupyterlab-rise missing or disabled:\n{text}"
