"""The guider's decisions, kept in one SQLite file per workspace.

Every click (accept, reject, adjust, tag, note, a moment of one's own) is one
committed transaction, so closing the browser or killing the server loses
nothing. WAL mode lets the background analysis write progress while the app
reads; each thread (each browser session's script run) has its own connection.

Several pages may show one case (two tabs, or a guider and a supervisor). A
change says what its page last showed of the field it changes (``expect``);
when the store holds something else, another page changed it meanwhile, and
the change is refused with a :class:`Conflict` that says what is there now, so
nothing is overwritten unseen. Each change records the row as it was before,
and who made it (``by``, a page): Undo puts back that page's own last change,
never another's.

A case's candidate moments come from its analysis.json; when a case is
re-analysed (new settings), decisions on the old candidates are carried to the
new candidates they overlap most (by time), so re-ranking never loses work.
"""
from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import DiskFull, InputError, VigvisionError, is_disk_full
from ..time import clock

DB_FILE = "vigvision-review.sqlite"
STATUSES = ("proposed", "accepted", "rejected")
CASE_STATES = ("new", "analysing", "ready", "failed")
# A new candidate takes an old decision when they share at least this share of the shorter one.
CARRY_OVERLAP = 0.5
MIN_MOMENT_S = 0.1
OWN_EXPLANATION = "Added by the guider."
#: The words the guider sees for each status: the app, the CSV and the review sheet use these.
STATUS_WORDS = {"proposed": "to decide", "accepted": "accepted", "rejected": "rejected"}
#: the evidence of a moment's span: moment -> {"explanation": str, "principles": [str], ...}
Describe = Callable[["Moment"], dict]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    video TEXT NOT NULL,            -- relative to the workspace
    outdir TEXT NOT NULL,           -- relative to the workspace
    state TEXT NOT NULL DEFAULT 'new',
    stage TEXT, overall REAL, eta_s REAL, error TEXT, pid INTEGER,
    created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS moments (
    case_id TEXT NOT NULL REFERENCES cases(id),
    key TEXT NOT NULL,              -- 'M3' for a candidate, 'own-1' for the guider's own
    source TEXT NOT NULL,           -- 'candidate' | 'own'
    rank INTEGER, score REAL,
    start REAL NOT NULL, "end" REAL NOT NULL,
    proposed_start REAL, proposed_end REAL,
    status TEXT NOT NULL DEFAULT 'proposed',
    tags TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '',
    principles TEXT NOT NULL DEFAULT '[]',
    thumbnail TEXT,
    stale INTEGER NOT NULL DEFAULT 0,   -- a candidate that a later analysis no longer proposes
    updated REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 0, -- +1 at every change
    PRIMARY KEY (case_id, key)
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL, key TEXT NOT NULL,
    before TEXT,                    -- the moment row as JSON before the change; NULL: it did not exist
    what TEXT NOT NULL, at REAL NOT NULL,
    by TEXT,                        -- the page (browser session) that made the change
    version INTEGER                 -- the moment's version the change made
);
"""
# Columns added since the first workspaces were made: (table, column, definition).
_ADDED = (("moments", "version", "INTEGER NOT NULL DEFAULT 0"), ("history", "by", "TEXT"),
          ("history", "version", "INTEGER"))

_MOMENT_COLS = ("case_id", "key", "source", "rank", "score", "start", "end", "proposed_start", "proposed_end",
                "status", "tags", "note", "explanation", "principles", "thumbnail", "stale", "updated", "version")
#: What a page may say it last showed of a moment (``expect=``), by field.
EXPECTABLE = ("status", "start", "end", "tags", "note")


class Conflict(VigvisionError):
    """A change refused because another page changed the same thing first; ``moment`` is what is there now."""

    def __init__(self, message: str, moment: "Moment"):
        super().__init__(message)
        self.moment = moment


@dataclass
class Moment:
    case_id: str
    key: str
    source: str
    start: float
    end: float
    status: str = "proposed"
    rank: int | None = None
    score: float | None = None
    proposed_start: float | None = None
    proposed_end: float | None = None
    tags: list[str] = field(default_factory=list)
    note: str = ""
    explanation: str = ""
    principles: list[str] = field(default_factory=list)
    thumbnail: str | None = None
    stale: bool = False
    updated: float = 0.0
    version: int = 0

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    @property
    def adjusted(self) -> bool:
        return self.proposed_start is not None and (abs(self.start - self.proposed_start) > 1e-6
                                                     or abs(self.end - (self.proposed_end or 0)) > 1e-6)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Moment":
        d = dict(row)
        d["tags"] = json.loads(d["tags"])
        d["principles"] = json.loads(d["principles"])
        d["stale"] = bool(d["stale"])
        return cls(**d)

    def to_row(self) -> tuple:
        d = dict(self.__dict__, tags=json.dumps(self.tags), principles=json.dumps(self.principles),
                 stale=int(self.stale))
        return tuple(d[c] for c in _MOMENT_COLS)


@dataclass
class Case:
    id: str
    name: str
    video: str
    outdir: str
    state: str
    stage: str | None
    overall: float | None
    eta_s: float | None
    error: str | None
    pid: int | None
    created: float
    updated: float


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (the store remembers them to close them)."""


class ReviewStore:
    """Cases, moments and their decisions in ``WORKSPACE/vigvision-review.sqlite``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._open: weakref.WeakSet = weakref.WeakSet()   # every thread's connection, for close()
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")   # kept in the file: every later connection uses it
        db.executescript(_SCHEMA)
        for table, column, definition in _ADDED:
            if column not in {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: one shared by several threads interleaves their transactions."""
        db = getattr(self._local, "db", None)
        if db is None:
            # used by this thread only; close() may come from another
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False,
                                 factory=_Connection)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each commit's checkpoint
            self._local.db = db
            self._open.add(db)
        return db

    def close(self) -> None:
        for db in list(self._open):
            db.close()
        self._local = threading.local()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if is_disk_full(exc):   # the change is not saved, and says so (the page keeps it on screen)
                raise DiskFull(self.path) from None
            raise

    # cases ---------------------------------------------------------------------------------------
    def add_case(self, case_id: str, name: str, video: str, outdir: str) -> Case:
        now = time.time()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM cases WHERE id=?", (case_id,)).fetchone():
                raise InputError(f"a case named {case_id!r} already exists")
            db.execute("INSERT INTO cases (id, name, video, outdir, created, updated) VALUES (?,?,?,?,?,?)",
                       (case_id, name, video, outdir, now, now))
        return self.case(case_id)

    def case(self, case_id: str) -> Case:
        row = self._db.execute("SELECT * FROM cases WHERE id=?", (case_id,)).fetchone()
        if row is None:
            raise InputError(f"no case {case_id!r} in this workspace")
        return Case(**dict(row))

    def cases(self) -> list[Case]:
        return [Case(**dict(r)) for r in self._db.execute("SELECT * FROM cases ORDER BY created")]

    def delete_case(self, case_id: str) -> None:
        """Forget a case: its row, its moments and decisions, and its undo history."""
        with self._tx() as db:
            for table in ("history", "moments"):
                db.execute(f"DELETE FROM {table} WHERE case_id=?", (case_id,))
            db.execute("DELETE FROM cases WHERE id=?", (case_id,))

    def note_pid(self, case_id: str, pid: int) -> None:
        """Record a just-started job's pid, unless the job already wrote its own state (a quick job may
        even have finished): one conditional update, so it never undoes what the job wrote."""
        with self._tx() as db:
            db.execute("UPDATE cases SET pid=?, updated=? WHERE id=? AND state='analysing' AND pid IS NULL",
                       (pid, time.time(), case_id))

    def set_state(self, case_id: str, state: str, **kw) -> None:
        assert state in CASE_STATES, state
        cols = {"state": state, "updated": time.time(), **kw}
        with self._tx() as db:
            db.execute(f"UPDATE cases SET {', '.join(f'{k}=?' for k in cols)} WHERE id=?", (*cols.values(), case_id))

    # moments -------------------------------------------------------------------------------------
    def moments(self, case_id: str, *, status: str | None = None, include_stale: bool = False) -> list[Moment]:
        sql = "SELECT * FROM moments WHERE case_id=?"
        args: list = [case_id]
        if status:
            sql += " AND status=?"
            args.append(status)
        if not include_stale:
            sql += " AND (stale=0 OR status!='proposed')"
        rows = self._db.execute(sql + ' ORDER BY COALESCE(rank, 1e9), start', args).fetchall()
        return [Moment.from_row(r) for r in rows]

    def moment(self, case_id: str, key: str) -> Moment:
        row = self._db.execute("SELECT * FROM moments WHERE case_id=? AND key=?", (case_id, key)).fetchone()
        if row is None:
            raise InputError(f"no moment {key!r} in case {case_id!r}")
        return Moment.from_row(row)

    def _put(self, db: sqlite3.Connection, m: Moment) -> None:
        m.updated = time.time()
        db.execute(f"INSERT OR REPLACE INTO moments ({', '.join(map(_q, _MOMENT_COLS))}) "
                   f"VALUES ({', '.join('?' * len(_MOMENT_COLS))})", m.to_row())

    def _change(self, case_id: str, key: str, what: str, apply, *, expect: dict | None, by: str | None) -> Moment:
        """Apply one change to a moment in one transaction, remembering the row before it for Undo.
        ``expect``: what the changing page last showed of the fields concerned (refused if it differs)."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM moments WHERE case_id=? AND key=?", (case_id, key)).fetchone()
            if row is None:
                raise InputError(f"no moment {key!r} in case {case_id!r}")
            before = Moment.from_row(row)
            _check_expected(before, expect)
            after = Moment.from_row(row)
            apply(after)
            after.version = before.version + 1
            db.execute("INSERT INTO history (case_id, key, before, what, at, by, version) VALUES (?,?,?,?,?,?,?)",
                       (case_id, key, json.dumps(before.__dict__), what, time.time(), by, after.version))
            self._put(db, after)
        return after

    def decide(self, case_id: str, key: str, status: str, *, expect: dict | None = None,
               by: str | None = None) -> Moment:
        if status not in STATUSES:
            raise InputError(f"a decision is one of {', '.join(STATUSES)}, not {status!r}")
        return self._change(case_id, key, status, lambda m: setattr(m, "status", status), expect=expect, by=by)

    def adjust(self, case_id: str, key: str, start: float, end: float, *, duration_s: float | None = None,
               describe: Describe | None = None, expect: dict | None = None, by: str | None = None) -> Moment:
        """Move a moment's start and end. ``describe(moment)`` gives the evidence of its new span
        (``{explanation, principles}``: :func:`vigvision.review.evidence.describer`), so its card, the CSV
        and the review sheet speak of the guider's span, not the one first proposed."""
        start, end = _span(start, end, duration_s)

        def apply(m: Moment) -> None:
            m.start, m.end = start, end
            _describe(m, describe)
        return self._change(case_id, key, f"adjust {start:.2f}-{end:.2f}", apply, expect=expect, by=by)

    def tag(self, case_id: str, key: str, tags: list[str], *, expect: dict | None = None,
            by: str | None = None) -> Moment:
        tags = _tags(tags)
        return self._change(case_id, key, "tag", lambda m: setattr(m, "tags", tags), expect=expect, by=by)

    def note(self, case_id: str, key: str, text: str, *, expect: dict | None = None,
             by: str | None = None) -> Moment:
        return self._change(case_id, key, "note", lambda m: setattr(m, "note", text), expect=expect, by=by)

    def add_own(self, case_id: str, start: float, end: float, *, note: str = "", duration_s: float | None = None,
                describe: Describe | None = None, by: str | None = None) -> Moment:
        """A moment the guider found: accepted at once (they chose it). With ``describe``, its card also
        says what was measured in it."""
        start, end = _span(start, end, duration_s)
        with self._tx() as db:
            n = db.execute("SELECT COUNT(*) FROM moments WHERE case_id=? AND source='own'", (case_id,)).fetchone()[0]
            key = f"own-{n + 1}"
            while db.execute("SELECT 1 FROM moments WHERE case_id=? AND key=?", (case_id, key)).fetchone():
                n += 1
                key = f"own-{n + 1}"
            m = Moment(case_id=case_id, key=key, source="own", start=start, end=end,
                       status="accepted", note=note, explanation=OWN_EXPLANATION, version=1)
            _describe(m, describe)
            db.execute("INSERT INTO history (case_id, key, before, what, at, by, version) VALUES (?,?,?,?,?,?,?)",
                       (case_id, key, None, "add", time.time(), by, m.version))
            self._put(db, m)
        return m

    def _last_change(self, db: sqlite3.Connection, case_id: str, by: str | None) -> sqlite3.Row | None:
        sql, args = "SELECT * FROM history WHERE case_id=?", [case_id]
        if by is not None:
            sql += " AND by IS ?"
            args.append(by)
        return db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()

    def undo(self, case_id: str, *, by: str | None = None) -> str | None:
        """Put back the moment changed last in this case (with ``by``: the last change that page made);
        returns what was undone (None: nothing to undo). Refused with a :class:`Conflict` when another
        page has changed that moment since: undoing would throw their change away unseen."""
        with self._tx() as db:
            row = self._last_change(db, case_id, by)
            if row is None:
                return None
            now = db.execute("SELECT * FROM moments WHERE case_id=? AND key=?", (case_id, row["key"])).fetchone()
            if now is not None and row["version"] is not None and now["version"] != row["version"]:
                m = Moment.from_row(now)
                raise Conflict(f"cannot undo {undone_words(row['what'], row['key'])}: {row['key']} was changed in "
                               f"another window since ({_state_words(m)}); change it by hand", m)
            if row["before"] is None:
                db.execute("DELETE FROM moments WHERE case_id=? AND key=?", (case_id, row["key"]))
            else:
                self._put(db, Moment(**json.loads(row["before"])))   # its version too: as it was
            db.execute("DELETE FROM history WHERE id=?", (row["id"],))
        return undone_words(row["what"], row["key"])

    def can_undo(self, case_id: str, *, by: str | None = None) -> bool:
        return self._last_change(self._db, case_id, by) is not None

    def changed_since(self, case_id: str) -> tuple[int, float]:
        """A stamp of the case's moments (count and latest change): a page that saw another stamp is stale."""
        row = self._db.execute("SELECT COUNT(*), COALESCE(MAX(updated), 0) FROM moments WHERE case_id=?",
                               (case_id,)).fetchone()
        return int(row[0]), float(row[1])

    def sync_candidates(self, case_id: str, candidates: list[dict], *, describe: Describe | None = None) -> dict:
        """Load an analysis's ranked candidates, keeping the guider's work on earlier ones.

        A decided or edited earlier candidate goes to the new candidate it overlaps most (at least
        CARRY_OVERLAP of the shorter of the two), keeping its status, times, tags and note. One that
        overlaps none stays, marked stale, so nothing decided is lost. Own moments are untouched.
        Returns counts: {'candidates', 'carried', 'kept_stale'}.
        """
        with self._tx() as db:
            old = [Moment.from_row(r) for r in db.execute(
                "SELECT * FROM moments WHERE case_id=? AND source='candidate'", (case_id,))]
            worked = [m for m in old if m.status != "proposed" or m.tags or m.note or m.adjusted]
            db.execute("DELETE FROM moments WHERE case_id=? AND source='candidate'", (case_id,))
            db.execute("DELETE FROM history WHERE case_id=? AND key NOT LIKE 'own-%'", (case_id,))
            taken: set[str] = set()
            carried = 0
            new_keys = set()
            for c in candidates:
                m = Moment(case_id=case_id, key=c["id"], source="candidate", rank=c.get("rank"),
                           score=c.get("score"), start=c["start"], end=c["end"], proposed_start=c["start"],
                           proposed_end=c["end"], explanation=c.get("explanation", ""),
                           principles=list(c.get("principles", [])), thumbnail=c.get("thumbnail"))
                best = max((w for w in worked if w.key not in taken), default=None,
                           key=lambda w: _overlap(w, c["start"], c["end"]))
                if best is not None and _overlap(best, c["start"], c["end"]) >= CARRY_OVERLAP:
                    taken.add(best.key)
                    m.status, m.tags, m.note = best.status, best.tags, best.note
                    if best.adjusted:  # the guider's span, described anew from the new analysis
                        m.start, m.end = best.start, best.end
                        _describe(m, describe)
                    carried += 1
                self._put(db, m)
                new_keys.add(m.key)
            stale = 0
            for w in worked:
                if w.key in taken:
                    continue
                key = w.key if w.key not in new_keys else f"{w.key}-earlier"
                while key in new_keys:
                    key += "'"
                w.key, w.stale, w.rank = key, True, None
                self._put(db, w)
                new_keys.add(key)
                stale += 1
        return {"candidates": len(candidates), "carried": carried, "kept_stale": stale}


def undone_words(what: str, key: str) -> str:
    """A history entry as the guider would say it: 'accepting M4', 'moving M2 to 0:40.0-0:44.5'."""
    verb, _, rest = what.partition(" ")
    if verb == "adjust":
        a, _, b = rest.partition("-")
        return f"moving {key} to {clock(float(a))}-{clock(float(b))}"
    words = {"accepted": "accepting {}", "rejected": "rejecting {}", "proposed": "setting {} back to undecided",
             "tag": "changing the tags of {}", "note": "changing the note of {}", "add": "adding {}"}
    return words.get(verb, what + " of {}").format(key)


def _tags(tags: list[str]) -> list[str]:
    return sorted({t.strip() for t in tags if t.strip()})


def _check_expected(m: Moment, expect: dict | None) -> None:
    """Refuse a change made on what another page has changed since: ``expect`` is what this page showed."""
    if not expect:
        return
    unknown = set(expect) - set(EXPECTABLE)
    if unknown:
        raise ValueError(f"expect= takes {', '.join(EXPECTABLE)}, not {', '.join(sorted(unknown))}")
    differs = [f for f, seen in expect.items() if not _same(f, getattr(m, f), seen)]
    if differs:
        raise Conflict(f"{m.key} was changed in another window while this one showed it "
                       f"({_state_words(m, differs)}); your change was not saved: look again, then change it", m)


def _same(field: str, now, seen) -> bool:
    if field in ("start", "end"):
        return seen is not None and abs(float(now) - float(seen)) < 1e-6
    if field == "tags":
        return _tags(list(now)) == _tags(list(seen or []))
    return now == seen


def _state_words(m: Moment, fields=("status", "start", "note")) -> str:
    """What a moment is now, in the guider's words, for the fields that matter to them."""
    words = []
    if "status" in fields:
        words.append(f"now {STATUS_WORDS[m.status]}")
    if "start" in fields or "end" in fields:
        words.append(f"from {clock(m.start)} to {clock(m.end)}")
    if "tags" in fields:
        words.append("tagged " + (", ".join(m.tags) if m.tags else "with nothing"))
    if "note" in fields:
        words.append(f"its note reads {_quote(m.note)}" if m.note else "no note")
    return "; ".join(words)


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return "\u201c" + (text if len(text) <= limit else text[: limit - 1] + "\u2026") + "\u201d"


def _span(start: float, end: float, duration_s: float | None) -> tuple[float, float]:
    """A moment's times, checked: finite, inside the video, at least MIN_MOMENT_S long."""
    if not (math.isfinite(float(start)) and math.isfinite(float(end))):
        raise InputError(f"a moment's start and end must be times in seconds (got {start}, {end})")
    start, end = round(max(0.0, float(start)), 4), round(float(end), 4)
    if duration_s is not None:
        end = min(end, round(float(duration_s), 4))
    if end - start < MIN_MOMENT_S:
        raise InputError(f"a moment must last at least {MIN_MOMENT_S} s (got {start:.2f}-{end:.2f} s)")
    return start, end


def _describe(m: Moment, describe: Describe | None) -> None:
    """Give a moment the evidence of its (guider-set) span: what was measured in it; own moments say whose."""
    if describe is None:
        return
    found = describe(m)
    m.explanation = f"{OWN_EXPLANATION} {found['explanation']}" if m.source == "own" else found["explanation"]
    m.principles = list(found["principles"])


def _overlap(m: Moment, start: float, end: float) -> float:
    """Shared time over the shorter of the two spans."""
    shared = min(m.end, end) - max(m.start, start)
    return max(shared, 0.0) / max(min(m.end - m.start, end - start), 1e-6)


def _q(col: str) -> str:
    return f'"{col}"'
