"""Whether a background analysis's process still runs (the workspace and the jobs both ask)."""
from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (a finished child of ours is reaped; a zombie is not alive)."""
    if not pid:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)  # reaps it if it is our finished child
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child (the server restarted): ask the system
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split(") ")[-1].startswith("Z"))
