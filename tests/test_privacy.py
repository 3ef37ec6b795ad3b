"""Nothing leaks: no telemetry queue, no connection off this machine."""
from __future__ import annotations

import os
import subprocess
import sys

from vigvision.testing.synth import make_video


def test_an_analysis_leaves_no_onnxruntime_telemetry_queue(tmp_path):
    # onnxruntime >= 1.29 keeps ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db (device id, OS,
    # CPU model, process path) in every process that loads it, unless ORT_DISABLE_TELEMETRY=1 is set first
    home = tmp_path / "home"
    home.mkdir()
    clip = make_video(tmp_path / "c.mp4", duration_s=2.0, fps=10, bursts_s=[(0.3, 1.2)])
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env["HOME"] = str(home)
    code = ("import vigvision.voice.vad as v, vigvision.voice.embedding as e; v.Silero(); e.VoiceEncoder(); "
            f"import vigvision; vigvision.analyze({str(clip.path)!r}, {str(tmp_path / 'out')!r})")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)
    assert (tmp_path / "out" / "analysis.json").is_file()
    left = [str(p.relative_to(home)) for p in home.rglob("*")]
    assert not [p for p in left if "Microsoft" in p or "onnxruntime" in p], left


def _connects(log: str) -> list[str]:
    """The connect() calls in an strace log to addresses off this machine (AF_INET/AF_INET6)."""
    import re

    out = []
    for line in log.splitlines():
        if "connect(" not in line:
            continue
        m = re.search(r'sin6?_addr=inet_(?:pton\(AF_INET6, |addr\()"([^"]+)"', line)
        if m and not (m.group(1).startswith("127.") or m.group(1) in ("::1", "::ffff:127.0.0.1")):
            out.append(line.strip())
    return out


def test_the_app_and_a_session_connect_nowhere_off_this_machine(analysed_workspace, tmp_path):
    # A page from a foreign origin made Streamlit look up this machine's addresses: a UDP connect to
    # 8.8.8.8 and an HTTP request to checkip.amazonaws.com (via the DNS server).
    import asyncio
    import shutil
    import time
    import urllib.request

    from conftest import require_tool
    from test_app_browser import free_port, wait_until_serving

    strace = require_tool("strace")
    root = tmp_path / "ws"
    shutil.copytree(analysed_workspace, root)
    port, log = free_port(), tmp_path / "connect.log"
    proc = subprocess.Popen([strace, "-f", "-qq", "-e", "trace=connect,accept4", "-o", str(log), sys.executable,
                             "-m", "vigvision.cli", "app", "--workspace", str(root), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(url, tries=240), "the app did not start under strace"
        import websockets

        async def session(origin: str) -> None:
            try:
                async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", origin=origin,
                                              subprotocols=["streamlit"], open_timeout=10) as ws:
                    await asyncio.wait_for(ws.recv(), timeout=5)
            except Exception:
                pass   # refused or closed: what matters is what the server did meanwhile

        for origin in ("http://evil.example", url):
            asyncio.run(session(origin))
        urllib.request.urlopen(url, timeout=10).read()
        time.sleep(2.0)
    finally:
        import signal

        os.killpg(proc.pid, signal.SIGTERM)   # strace, the app and the Streamlit server it started
        proc.wait(timeout=30)
    # the server's accepted connections are in the log: the sessions were traced, so no connect() means none
    assert log.read_text().count("accept4(") >= 2
    assert not _connects(log.read_text())


def _modes(root) -> dict[str, str]:
    """Every path under ``root`` (and root itself) -> its permission bits, e.g. '0o600'."""
    from pathlib import Path

    root = Path(root)
    return {str(p.relative_to(root.parent)): oct(p.stat().st_mode & 0o777) for p in [root, *root.rglob("*")]}


def _umask_022():
    os.umask(0o022)


def test_everything_in_a_workspace_is_its_owners_only_whatever_the_umask(tmp_path):
    # Under umask 022 the footage copies, the guider's notes (SQLite), analyses and exports were 0644
    # and folders 0755; cache folders were 0755 even under umask 077.
    clip = make_video(tmp_path / "family.mp4", duration_s=2.0, fps=10, bursts_s=[(0.3, 1.2)])
    os.chmod(clip.path, 0o644)
    old = tmp_path / "old-ws"          # one made open by an earlier vigvision: closed when opened
    (old / "footage").mkdir(parents=True)
    (old / "footage" / "x.mp4").write_bytes(b"")
    os.chmod(old, 0o755)
    root = tmp_path / "ws"
    code = f"""
from vigvision.review import Workspace, jobs
import time
Workspace({str(old)!r})
ws = Workspace({str(root)!r})
case = ws.case_for(ws.import_video({str(clip.path)!r}))
jobs.start(ws, case.id)                                   # the app's way: a background process
for _ in range(600):
    if ws.store.case(case.id).state != "analysing":
        break
    time.sleep(0.2)
assert ws.store.case(case.id).state == "ready", ws.store.case(case.id).error
(ws.export_folder(case) / "sheet.html").write_text("notes")
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, preexec_fn=_umask_022)
    modes = _modes(root)
    assert modes["ws"] == "0o700" and modes["ws/vigvision-review.sqlite"] == "0o600"
    assert modes["ws/footage/family.mp4"] == "0o600"
    assert any("/cache/" in p for p in modes) and any(p.endswith("analysis.json") for p in modes)
    assert {m for p, m in modes.items() if (root.parent / p).is_dir()} == {"0o700"}, modes
    assert {m for p, m in modes.items() if (root.parent / p).is_file()} == {"0o600"}, modes
    assert set(_modes(old).values()) <= {"0o700", "0o600"}, _modes(old)


def test_results_beside_a_video_are_no_more_open_than_the_video(tmp_path):
    from vigvision.io.files import no_more_open_than

    clip = make_video(tmp_path / "private.mp4", duration_s=2.0, fps=10, bursts_s=[(0.3, 1.2)])
    os.chmod(clip.path, 0o600)
    code = f"import vigvision; vigvision.analyze({str(clip.path)!r})"   # the default OUTDIR, beside it
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, preexec_fn=_umask_022)
    modes = _modes(tmp_path / "private.vigvision")
    assert any("/cache/" in p for p in modes)
    assert set(modes.values()) <= {"0o700", "0o600"}, modes
    # and no tighter than that: a video the group may read gives results the group may read
    for video_mode, file_mode, folder_mode in ((0o644, 0o644, 0o755), (0o640, 0o640, 0o750), (0o600, 0o600, 0o700)):
        os.chmod(clip.path, video_mode)
        before = os.umask(0o022)
        try:
            with no_more_open_than(clip.path):
                f = tmp_path / f"f{video_mode:o}"
                f.write_text("x")
                (tmp_path / f"d{video_mode:o}").mkdir()
        finally:
            os.umask(before)
        assert (f.stat().st_mode & 0o777, (tmp_path / f"d{video_mode:o}").stat().st_mode & 0o777) == \
            (file_mode, folder_mode)


def test_only_this_machines_pages_may_use_the_app(analysed_workspace, tmp_path):
    # Any Host header was accepted on / (a foreign page whose name resolves to 127.0.0.1 could read the
    # app), and nothing kept other sites from showing it in a frame.
    import asyncio
    import shutil
    import signal
    import urllib.error
    import urllib.request

    import websockets

    from test_app_browser import free_port, wait_until_serving

    root = tmp_path / "ws"
    shutil.copytree(analysed_workspace, root)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "vigvision.cli", "app", "--workspace", str(root), "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def get(path: str, host: str):
        request = urllib.request.Request(url + path, headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    async def stream(host: str) -> str:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                          additional_headers={"Host": host}, open_timeout=10):
                return "open"
        except websockets.exceptions.InvalidStatus as exc:
            return f"refused {exc.response.status_code}"

    try:
        assert wait_until_serving(url), "the app did not start"
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            status, headers, _ = get("/", host)
            assert status == 200, host
            assert headers["X-Frame-Options"] == "SAMEORIGIN"
            assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
        for path in ("/", "/_stcore/health", "/media/x"):
            status, _, body = get(path, f"evil.example:{port}")
            assert status == 403 and b"not 'evil.example" in body, path
        assert asyncio.run(stream(f"evil.example:{port}")) == "refused 403"
        assert asyncio.run(stream(f"127.0.0.1:{port}")) == "open"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
