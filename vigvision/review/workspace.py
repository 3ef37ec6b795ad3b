"""A workspace: one folder holding a guider's cases, their footage, analyses, exports and decisions.

    WORKSPACE/
      vigvision-review.sqlite      decisions (see store.py)
      footage/                     videos to choose from (copy files here, or upload in the app)
      cases/<case>/analysis/       vigvision's outputs for that case
      cases/<case>/export/         clips, stills, the review sheet, CSV and JSON
      cases/<case>/job.log         what the background analysis printed

The app reads and writes only inside it: every path that comes from a user
(typed, chosen or uploaded) goes through :meth:`Workspace.inside`, which
refuses ``..``, absolute paths and symlinks that lead out.

It holds families' footage and a guider's notes, so it is its owner's only: the
folder is 0700, and a process that opens it creates files 0600 and folders 0700
whatever its umask (the app's server, its background analyses, ``vigvision app``).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import unicodedata
from pathlib import Path

from ..config import DEFAULT_WORKSPACE
from ..errors import DiskFull, InputError, is_disk_full
from ..io.files import owner_only
from ..io.video import VIDEO_EXTENSIONS
from .process import alive
from .store import DB_FILE, ReviewStore

def _upload_limit_mb() -> int:
    """Streamlit holds an upload in the server's memory (about twice its size at the peak, measured): at
    most 1024 MB, and at most an eighth of this machine's memory. Bigger films go into footage/."""
    try:
        ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        ram_mb = 8192
    return int(max(64, min(1024, ram_mb // 8)))


MAX_UPLOAD_MB = _upload_limit_mb()   # stated in the app, with how to add bigger films
BIGGER_FILES = ("copy bigger files into {footage} (they appear in the list), or start the app with "
                "vigvision app --add FILE")


def safe_name(name: str, *, default: str = "video") -> str:
    """A file name with only letters, digits, '.', '-' and '_' (accents dropped, spaces to '_'),
    no leading dots, at most 100 characters; the folder part of an uploaded name is dropped."""
    name = re.split(r"[\\/]", name)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    if len(name) > 100:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 100 - len(suffix) - 1] + "." + suffix) if dot and len(suffix) <= 8 else name[:100]
    return name or default


def case_of_folder(folder: str | Path) -> tuple[Path, str] | None:
    """(workspace root, case id) when ``folder`` is a case's analysis folder (WORKSPACE/cases/ID/analysis of a
    workspace with its decisions file), else None."""
    folder = Path(folder).expanduser().resolve()
    if len(folder.parents) < 3 or folder.parent.parent.name != "cases":
        return None
    root = folder.parents[2]
    return (root, folder.parent.name) if (root / DB_FILE).is_file() else None


def _close_to_others(root: Path) -> None:
    """Make ``root`` 0700; a workspace made open by an earlier vigvision (or by hand) is closed throughout."""
    if root.stat().st_mode & 0o077:
        for folder, _, files in os.walk(root):
            for p in (folder, *(os.path.join(folder, f) for f in files)):
                with contextlib.suppress(OSError):   # not ours (a footage file linked in): left as it is
                    if not os.path.islink(p):
                        os.chmod(p, os.stat(p).st_mode & 0o7700)


class Workspace:
    def __init__(self, root: str | Path = DEFAULT_WORKSPACE):
        self.root = Path(root).expanduser().resolve()
        owner_only()
        for sub in ("footage", "cases"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        _close_to_others(self.root)
        self.store = ReviewStore(self.root / DB_FILE)
        self._hashes: dict[tuple[str, int, int], str] = {}   # (path, size, mtime_ns) -> sha256

    def content_hash(self, path: Path) -> str:
        """The SHA-256 of a file, remembered while the file is unchanged (size and time)."""
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._hashes:
            from ..io.files import sha256_file

            self._hashes[key] = sha256_file(path)
        return self._hashes[key]

    def case_with_content(self, video: str):
        """The case whose video has the same content as ``video`` (relative path), else None: a video
        added twice (uploaded again, or copied under another name) is recognised by its hash."""
        real = self.inside(video)
        size = real.stat().st_size
        for case in self.store.cases():
            other = self.root / case.video
            if other.is_file() and other.stat().st_size == size and (
                    other.resolve() == real or self.content_hash(other) == self.content_hash(real)):
                return case
        return None

    @property
    def footage(self) -> Path:
        return self.root / "footage"

    def inside(self, path: str | Path) -> Path:
        """The real path of ``path`` (relative to the workspace), refused unless it stays inside."""
        p = Path(path)
        if p.is_absolute():
            raise InputError(f"{path}: give a path inside the workspace, not an absolute path")
        if ".." in p.parts:
            raise InputError(f"{path}: '..' is not allowed; give a path inside the workspace")
        real = (self.root / p).resolve()
        if real != self.root and self.root not in real.parents:
            raise InputError(f"{path}: leads outside the workspace (a link?)")
        return real

    def relative(self, path: Path) -> str:
        return str(Path(path).resolve().relative_to(self.root))

    def footage_files(self) -> list[str]:
        """Videos under footage/ (relative paths), the ones a guider can choose for a new case; a file
        reached through a link inside the workspace is offered once, under its own name."""
        out = []
        for p in sorted(self.footage.rglob("*")):
            if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file():
                try:
                    out.append(self.relative(self.inside(p.relative_to(self.root))))
                except InputError:
                    continue  # a link out of the workspace: not offered
        return list(dict.fromkeys(out))

    def save_upload(self, name: str, chunks, *, size: int | None = None) -> str:
        """Write an uploaded file into footage/ under a sanitised, unused name; returns its relative path.
        Written to a temporary name first, so a failed upload leaves nothing behind."""
        if size is not None and size > MAX_UPLOAD_MB * 1024 * 1024:
            raise InputError(f"{name}: {size / 1e6:.0f} MB is over the {MAX_UPLOAD_MB} MB upload limit; "
                             f"{BIGGER_FILES.format(footage=self.footage)}")
        clean = safe_name(name)
        if Path(clean).suffix.lower() not in VIDEO_EXTENSIONS:
            raise InputError(f"{name}: not a video file this app takes ({', '.join(VIDEO_EXTENSIONS)})")
        target = self.footage / clean
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            n += 1
            target = self.footage / f"{stem}-{n}{suffix}"
        part = target.with_name(f".{target.name}.part")
        digest = hashlib.sha256()
        try:
            with open(part, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    digest.update(chunk)
            os.replace(part, target)
        except OSError as exc:
            if is_disk_full(exc):
                raise DiskFull(target) from None
            raise
        finally:
            part.unlink(missing_ok=True)
        st = target.stat()
        self._hashes[(str(target), st.st_size, st.st_mtime_ns)] = digest.hexdigest()  # hashed while written
        return self.relative(target)

    def import_video(self, path: str | Path) -> str:
        """Copy a video from anywhere into footage/ (the one way in from outside, used by the command
        line); a file with the same name and content is reused. Returns its relative path."""

        from ..io.files import sha256_file
        from ..io.video import check_file

        src = check_file(path)
        target = self.footage / safe_name(src.name)
        if target.is_file() and sha256_file(target) == sha256_file(src):
            return self.relative(target)
        with open(src, "rb") as f:
            return self.save_upload(src.name, iter(lambda: f.read(1 << 20), b""), size=src.stat().st_size)

    def case_for(self, video: str):
        """The existing case for a video (relative path) or for one with the same content, else a new one."""
        return self.case_with_content(video) or self.add_case(video)

    def new_case_id(self, video: str) -> str:
        base = safe_name(Path(video).stem, default="case")[:60]
        taken = {c.id for c in self.store.cases()}
        case_id, n = base, 1
        while case_id in taken or (self.root / "cases" / case_id).exists():
            n += 1
            case_id = f"{base}-{n}"
        return case_id

    def add_case(self, video: str, *, name: str | None = None):
        """A new case for a video already inside the workspace (relative path)."""
        real = self.inside(video)
        if not real.is_file():
            raise InputError(f"{video}: no such file in the workspace")
        case_id = self.new_case_id(video)
        folder = self.root / "cases" / case_id
        (folder / "analysis").mkdir(parents=True)
        return self.store.add_case(case_id, name or Path(video).name, self.relative(real),
                                   self.relative(folder / "analysis"))

    def case_folder(self, case_id: str) -> Path:
        return self.inside(Path("cases") / safe_name(case_id))

    def video_path(self, case) -> Path:
        return self.inside(case.video)

    def analysis_path(self, case) -> Path:
        return self.inside(case.outdir)

    def delete_case(self, case_id: str, *, footage: bool = False) -> list[str]:
        """Remove a case: its folder (analysis, exports, log), its decisions, and with ``footage`` its video
        too, unless another case uses it. Refused while its analysis runs. Returns what was removed."""
        import shutil

        case = self.store.case(case_id)
        if case.state == "analysing" and alive(case.pid):
            raise InputError(f"{case.name}: the analysis is still running; delete the case when it has finished")
        removed = []
        folder = self.case_folder(case_id)
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(f"cases/{folder.name}")
        self.store.delete_case(case_id)
        if footage and not any(c.video == case.video for c in self.store.cases()):
            video = self.inside(case.video)
            if video.is_file():
                video.unlink()
                removed.append(case.video)
        return removed

    def preview_path(self, case) -> Path:
        """Where a browser-playable copy goes when the footage itself does not play in a browser."""
        return self.case_folder(case.id) / "preview.mp4"

    def playable_path(self, case) -> Path:
        preview = self.preview_path(case)
        return preview if preview.is_file() else self.video_path(case)

    def export_folder(self, case) -> Path:
        folder = self.case_folder(case.id) / "export"
        folder.mkdir(exist_ok=True)
        return folder
