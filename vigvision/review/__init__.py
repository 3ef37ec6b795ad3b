"""Human decisions: the guider's workspace, cases, and what they accepted, rejected, adjusted and noted.

The app (``app/``) sits on this and on :mod:`vigvision.export`; it never reaches into the analysis stages.
A case's accepted moments go out as files through :mod:`.handout` (the app's Export tab, and
``vigvision export CASE --clips DIR``).

    ws = Workspace("~/vigvision-workspace")
    case = ws.add_case("footage/family.mp4")
    jobs.start(ws, case.id)                   # analysis in the background
    ws.store.decide(case.id, "M1", "accepted")
"""
from .store import STATUS_WORDS, Case, Moment, ReviewStore
from .workspace import DEFAULT_WORKSPACE, MAX_UPLOAD_MB, VIDEO_EXTENSIONS, Workspace, safe_name

__all__ = ["STATUS_WORDS", "Case", "Moment", "ReviewStore", "Workspace", "DEFAULT_WORKSPACE", "MAX_UPLOAD_MB",
           "VIDEO_EXTENSIONS", "safe_name"]
