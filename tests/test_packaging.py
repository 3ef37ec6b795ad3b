"""The package as it is installed: every sub-package in the wheel, and the review app with it, so that
`vigvision app` serves after `pip install .` outside the checkout."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
import urllib.request
import zipfile

from conftest import ROOT


def _packages_on_disk() -> set[str]:
    found = {"vigvision.app"}    # app/, mapped into the package
    for folder in [ROOT / "vigvision", *(p for p in (ROOT / "vigvision").rglob("*") if p.is_dir())]:
        if "__pycache__" not in folder.parts and any(folder.glob("*.py")):
            found.add(".".join(folder.relative_to(ROOT).parts))
    return found


def test_the_package_list_names_every_sub_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    assert config["package-dir"] == {"vigvision.app": "app"}


def test_the_app_serves_from_an_installed_wheel_outside_the_checkout(tmp_path, sample_video):
    # `vigvision app` found the app at parents[1]/"app"/"app.py": only from a source checkout.
    from test_app_browser import free_port, wait_until_serving

    import shutil

    source = tmp_path / "source"   # setuptools builds in the source tree: a copy keeps the checkout clean
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "test-artifacts",
                                                                "__pycache__", "*.egg-info", "*.vigvision"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, timeout=300, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("vigvision-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "vigvision/app/app.py" in names and "vigvision/schema/analysis.schema.json" in names
    assert {"vigvision/models/voice_encoder.onnx", "vigvision/models/silero_vad_16k_sequence.onnx"} <= set(names)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, timeout=300)
    # the installed copy, not the checkout (its dependencies come from this environment)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import vigvision.cli as c; print(c.app_file())"], env=env,
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(site / "vigvision" / "app" / "app.py")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "vigvision.cli", "app", "--workspace", str(tmp_path / "ws"),
                             "--add", str(sample_video), "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_until_serving(url, tries=480), "the installed app did not serve"
        assert b"<title>" in urllib.request.urlopen(url, timeout=10).read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert (tmp_path / "ws" / "cases").is_dir() and list((tmp_path / "ws" / "cases").glob("*/analysis/analysis.json"))
