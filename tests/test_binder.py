"""Binder (issue 16): what repo2docker builds from ``binder/``, checked without Docker.

``jupyter-repo2docker --no-build --debug .`` prints the Dockerfile it would build. The test needs the
repo2docker command: ``.ci/run`` installs it into its own environment and passes its path in
``PDELIB_REPO2DOCKER``; without it the test is skipped (the reason says how to run it). The environment
itself -- a fresh venv from ``binder/requirements.txt`` plus ``binder/postBuild`` -- runs every chapter under
strict nbval in ``.ci/run``.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    command = os.environ.get("PDELIB_REPO2DOCKER") or shutil.which("jupyter-repo2docker")
    if not command:
        pytest.skip("jupyter-repo2docker is not installed; to run: pip install jupyter-repo2docker==2026.4.0 "
                    "(in a separate venv) and set PDELIB_REPO2DOCKER to its jupyter-repo2docker")
    result = subprocess.run([command, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr


def test_binder_image_uses_python_311(dockerfile):
    assert "python=3.11" in dockerfile
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_image_installs_the_binder_requirements_then_runs_postbuild(dockerfile):
    install = re.search(r'^RUN .*pip install --no-cache-dir -r "binder/requirements.txt"$', dockerfile, re.M)
    post_build = re.search(r"^RUN \./binder/postBuild$", dockerfile, re.M)
    assert install and post_build and install.start() < post_build.start()


def test_binder_reads_only_the_binder_folder(dockerfile):
    """With ``binder/`` present, repo2docker ignores the root requirements (that is why both are pinned alike)."""
    assert 'pip install --no-cache-dir -r "requirements.txt"' not in dockerfile
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)
