"""ELAN annotation files (.eaf, format 3.0): write a coding as tiers linked to the video, read coders' tiers.

Written: one time-aligned tier per stream (``P1.voice``, ``P2.gaze``, ``mutual_gaze``, ``turns``,
``moments``, ``accepted``), each person's tiers with PARTICIPANT set; closed-vocabulary streams get
an ELAN controlled vocabulary and their annotations refer to its entries (CVE_REF), so a coder
correcting vigvision's codes in ELAN picks from the same labels. Free-text streams (moments, the
guider's notes) have none. Times are integer milliseconds, as ELAN stores them.

Read: every alignable tier of an EAF file (2.x or 3.0) as a stream of labelled segments;
symbolic (child) tiers take their parent's times.
"""
from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from ..version import __version__
from ..errors import InputError
from ..io.files import atomic_open
from .model import Coding

MIME = {".mp4": "video/mp4", ".mov": "video/quicktime", ".m4v": "video/mp4", ".mkv": "video/x-matroska",
        ".avi": "video/x-msvideo", ".webm": "video/webm", ".wav": "audio/x-wav"}


def _cv_id(stream: str) -> str:
    return f"{stream}_labels"


def _iso_now() -> str:
    t = time.localtime()
    off = -time.altzone if t.tm_isdst > 0 else -time.timezone
    sign = "+" if off >= 0 else "-"
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f"{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"


def write_eaf(coding: Coding, path: str | Path, *, media: str | Path | None = None) -> Path:
    """Write ``coding`` as an ELAN 3.0 file linked to ``media`` (default: the coding's video)."""
    path = Path(path)
    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": f"vigvision {__version__}", "DATE": _iso_now(), "FORMAT": "3.0", "VERSION": "3.0",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = _header(root, Path(media or coding.media or ""), path)
    time_order = ET.SubElement(root, "TIME_ORDER")
    # one time slot per distinct millisecond, numbered in time order as ELAN does
    ms_all = sorted({int(round(t * 1000)) for segs in coding.streams.values() for s in segs for t in (s.start, s.end)})
    slots = {ms: f"ts{k}" for k, ms in enumerate(ms_all, start=1)}
    tiers, vocab, last_id = _tiers(coding, slots)
    for ms, sid in slots.items():
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": sid, "TIME_VALUE": str(ms)})
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(last_id)
    root.extend(tiers)
    _vocabularies(root, vocab)
    ET.indent(root, space="    ")
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(ET.tostring(root, encoding="unicode"))
        f.write("\n")
    return path


def _header(root: ET.Element, media: Path, path: Path) -> ET.Element:
    """The HEADER, with the video linked both absolutely and relative to the .eaf file."""
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    if str(media):
        absolute = media.resolve()
        try:
            relative = os.path.relpath(absolute, path.resolve().parent)
        except ValueError:  # another drive (Windows)
            relative = absolute.name
        ET.SubElement(header, "MEDIA_DESCRIPTOR", {"MEDIA_URL": absolute.as_uri(),
                                                   "MIME_TYPE": MIME.get(media.suffix.lower(), "video/*"),
                                                   "RELATIVE_MEDIA_URL": relative if relative.startswith(".")
                                                   else f"./{relative}"})
    return header


def _tiers(coding: Coding, slots: dict[int, str]) -> tuple[list[ET.Element], dict[str, list[str]], int]:
    """One TIER per stream, annotations on the time slots; the closed streams' vocabularies; the last id."""
    tiers, ann_id = [], 0
    vocab: dict[str, list[str]] = {}
    for name in sorted(coding.streams, key=_tier_order):
        segs = coding.stream(name)
        closed = name not in coding.free_text
        if closed:
            used = {s.label for s in segs}
            vocab[name] = list(coding.vocab.get(name, [])) + sorted(used - set(coding.vocab.get(name, [])))
        tier = ET.Element("TIER", {"LINGUISTIC_TYPE_REF": f"{name} type" if closed else "free text",
                                   "TIER_ID": name, "ANNOTATOR": "vigvision",
                                   "PARTICIPANT": coding.subjects.get(name, "")})
        for s in segs:
            ann_id += 1
            ann = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
                "ANNOTATION_ID": f"a{ann_id}", "TIME_SLOT_REF1": slots[int(round(s.start * 1000))],
                "TIME_SLOT_REF2": slots[int(round(s.end * 1000))]})
            if closed:
                ann.set("CVE_REF", f"{_cv_id(name)}:{vocab[name].index(s.label)}".replace(" ", "_"))
            ET.SubElement(ann, "ANNOTATION_VALUE").text = s.label
        tiers.append(tier)
    return tiers, vocab, ann_id


def _vocabularies(root: ET.Element, vocab: dict[str, list[str]]) -> None:
    """The linguistic types (free text, one per closed stream), the language, the controlled vocabularies."""
    ET.SubElement(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": "free text", "TIME_ALIGNABLE": "true",
                                            "GRAPHIC_REFERENCES": "false"})
    for name in vocab:
        ET.SubElement(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": f"{name} type", "TIME_ALIGNABLE": "true",
                                                "GRAPHIC_REFERENCES": "false",
                                                "CONTROLLED_VOCABULARY_REF": _cv_id(name)})
    ET.SubElement(root, "LANGUAGE", {"LANG_DEF": "http://cdb.iso.org/lg/CDB-00130975-001", "LANG_ID": "eng",
                                     "LANG_LABEL": "English (eng)"})
    for name, labels in vocab.items():
        cv = ET.SubElement(root, "CONTROLLED_VOCABULARY", {"CV_ID": _cv_id(name)})
        ET.SubElement(cv, "DESCRIPTION", {"LANG_REF": "eng"}).text = f"vigvision labels of {name}"
        for k, label in enumerate(labels):
            entry = ET.SubElement(cv, "CV_ENTRY_ML", {"CVE_ID": f"{_cv_id(name)}:{k}".replace(" ", "_")})
            ET.SubElement(entry, "CVE_VALUE", {"LANG_REF": "eng", "DESCRIPTION": ""}).text = label


def _tier_order(name: str) -> tuple:
    kind = name.split(".", 1)[-1]
    return ({"voice": 0, "gaze": 1}.get(kind, 2), name)


def read_eaf(path: str | Path) -> Coding:
    """Every tier of an ELAN file as a stream of (start, end, label), in seconds."""
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{p}: not a readable ELAN file ({exc})") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise InputError(f"{p}: not an ELAN file (root element {root.tag})")
    slots = {}
    for ts in root.iter("TIME_SLOT"):
        if ts.get("TIME_VALUE") is not None:
            slots[ts.get("TIME_SLOT_ID")] = int(ts.get("TIME_VALUE")) / 1000.0
    c = Coding(source=str(p))
    media = root.find("HEADER/MEDIA_DESCRIPTOR")
    if media is not None:
        c.media = media.get("RELATIVE_MEDIA_URL") or media.get("MEDIA_URL")
    spans: dict[str, tuple[float, float]] = {}   # annotation id -> times, for symbolic child tiers
    tiers = root.findall("TIER")
    for tier in tiers:
        name = tier.get("TIER_ID")
        c.streams.setdefault(name, [])   # an empty tier is still a tier (coders may not have used it)
        if tier.get("PARTICIPANT"):
            c.subjects[name] = tier.get("PARTICIPANT")
        for ann in tier.iter("ALIGNABLE_ANNOTATION"):
            a, b = slots.get(ann.get("TIME_SLOT_REF1")), slots.get(ann.get("TIME_SLOT_REF2"))
            if a is None or b is None:
                continue  # unaligned slots inside a chain: ELAN interpolates them; rare in coding tiers
            spans[ann.get("ANNOTATION_ID")] = (a, b)
            c.add(name, a, b, (ann.findtext("ANNOTATION_VALUE") or "").strip())
    for tier in tiers:
        for ann in tier.iter("REF_ANNOTATION"):
            ref = spans.get(ann.get("ANNOTATION_REF"))
            if ref:
                c.add(tier.get("TIER_ID"), ref[0], ref[1], (ann.findtext("ANNOTATION_VALUE") or "").strip())
    if not c.streams:
        raise InputError(f"{p}: no tiers")
    return c
