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
