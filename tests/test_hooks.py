"""The progress protocol and the terminal progress bar."""
import io

from vigvision.hooks import Progress, TerminalProgress


def test_the_progress_bar_writes_a_line_per_stage_off_a_terminal():
    out = io.StringIO()
    hook = TerminalProgress(out)
    hook(Progress("vision", "start", overall=0.0))
    hook(Progress("vision", "update", done=5, total=10, unit="s", overall=0.5))   # not a terminal: no bar
    hook(Progress("vision", "end", overall=0.9, stage_s=3.25))
    hook(Progress("audio", "cached", overall=1.0))
    assert out.getvalue().splitlines() == ["[vision  ] started  (0% of the analysis done, elapsed 00:00)",
                                           "[vision  ] done in 3.2 s", "[audio   ] reused from cache"]
