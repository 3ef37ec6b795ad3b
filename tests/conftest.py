"""Shared fixtures.

Real footage comes from one setting, VIGVISION_FOOTAGE (default ../shared/footage
beside the project). Where it or a tool is missing, tests skip with the reason on
a user's clone, and FAIL in CI (CI=true): CI must never pass by skipping.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def footage_root() -> Path:
    return Path(os.environ.get("VIGVISION_FOOTAGE", ROOT.parent / "shared" / "footage"))


def missing(reason: str) -> None:
    """Skip on a user's machine; fail in CI."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def footage() -> Path:
    root = footage_root()
    if not (root / "SOURCES.md").is_file():
        missing(f"real footage not found at {root} (set VIGVISION_FOOTAGE)")
    return root


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (apt-get install {name})")
    return path


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory) -> Path:
    """The embedded sample, made once per test session."""
    require_tool("espeak-ng")
    from vigvision.sample import make_sample

    return make_sample(tmp_path_factory.mktemp("sample") / "sample.mp4")


@pytest.fixture(scope="session")
def analysed_workspace(tmp_path_factory, sample_video) -> Path:
    """A review workspace holding the sample as an analysed case (made once; copy it before changing it)."""
    from vigvision.review import Workspace, jobs

    root = tmp_path_factory.mktemp("ws-template") / "ws"
    ws = Workspace(root)
    case = ws.case_for(ws.import_video(sample_video))
    jobs.run(ws, case.id)
    ws.store.close()
    return root
