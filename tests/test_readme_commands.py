"""The README's first command opens JupyterLab at the course map (issue 16): the URL it prints leads there."""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120


def install_and_open_command() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("**Install and open the course**", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    install, _, open_course = block.strip().partition(" && ")
    assert install == "pip install -r requirements.txt"
    return shlex.split(open_course)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def opened(url: str, timeout: float = 60.0) -> int:
    """The HTTP status of ``url``, retried while the server is not listening yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_the_open_command_prints_a_url_of_the_course_map(tmp_path):
    command = install_and_open_command()
    assert command[:2] == ["jupyter", "lab"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "IPYTHONDIR": str(tmp_path / "ipython")}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", *command[2:], "--no-browser", f"--port={port}", "--allow-root",
         "--ServerApp.port_retries=0", "--LanguageServerManager.autodetect=False"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", line)
            url = found.group(1) if found else None
        assert url, "no URL printed:\n" + "".join(lines)
        assert re.match(rf"http://127\.0\.0\.1:{port}/lab/tree/00-index\.ipynb\?token=\w+$", url), url
        assert any(line.rstrip().endswith(str(ROOT / "notebooks")) for line in lines if "Serving notebooks" in line)
        assert opened(url) == 200  # the page JupyterLab serves for that file
        token = url.split("token=")[1]
        request = f"http://127.0.0.1:{port}/api/contents/00-index.ipynb?content=0&token={token}"
        with urllib.request.urlopen(request, timeout=30) as response:
            assert b'"type": "notebook"' in response.read().replace(b'"type":"notebook"', b'"type": "notebook"')
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        process.stdout.close()
