"""The typed records between the stages: their JSON form round-trips, Segments filter as their labels
say, and a moment's id stays with the moment when a re-rank changes its rank."""
import dataclasses

import pytest

from vigvision.config import MomentsConfig
from vigvision.moments import Interaction, find_moments
from vigvision.records import Evidence, Moment, Person, Segments, moment_id


def test_segments_round_trip_and_filter_by_value_set_or_function():
    rows = [{"start": 0.0, "end": 1.0, "person": "P1", "voice": "V1"},
            {"start": 1.5, "end": 2.0, "person": None, "voice": "V2"},
            {"start": 3.0, "end": 4.0, "person": "P2", "voice": "V1"}]
    seg = Segments.from_dict(rows)
    assert seg.to_dict() == rows and len(seg) == 3 and Segments.from_dict(seg.to_dict()) == seg
    assert seg.where(person="P1").to_dict() == rows[:1]
    assert seg.where(person={"P1", "P2"}, voice="V1").to_dict() == [rows[0], rows[2]]
    assert seg.where(person=lambda who: who is None).to_dict() == [rows[1]]
    assert seg.where(kind="turn").to_dict() == []                      # a label nobody has matches nothing
    assert seg.intervals().to_list() == [(0.0, 1.0), (1.5, 2.0), (3.0, 4.0)]
    assert list(seg.durations) == [1.0, 0.5, 1.0]
    empty = Segments.from_dict([])
    assert len(empty) == 0 and empty.where(person="P1").to_dict() == [] and empty.intervals().total == 0
    with pytest.raises(ValueError, match="one value per segment"):
        Segments([0.0, 1.0], [1.0], {})


def test_persons_moments_and_evidence_round_trip_their_json_form():
    p = Person("P2", "child", 0.8, "suggested", 41.5, {"lower_face": 0.8}, 300.0, 60.0, None, 310.0)
    assert Person.from_dict(p.to_dict()) == p and p.to_dict()["seen_s"] == 41.5
    assert Person.from_dict({"id": "P1", "role": "adult", "future_field": 1}).role == "adult"   # newer keys pass
    e = Evidence("mutual_gaze", "they look at each other for 2.0 s", {"seconds": 2.0})
    assert e.to_dict() == {"cue": "mutual_gaze", "seconds": 2.0, "text": "they look at each other for 2.0 s"}
    m = Moment(moment_id(12.0), 1, 12.0, 20.0, 3.5, ["P1", "P2"], [e], ["being attentive"], "From ...", 15.0)
    assert Moment.from_dict(m.to_dict()) == m and m.to_dict()["id"] == "M012.0" and m.duration == 8.0


def test_interaction_takes_json_rows_and_types_them():
    ix = Interaction(duration_s=10.0, persons=[{"id": "P1", "role": "adult", "seen_s": 9.0}],
                     gaze=[{"start": 1.0, "end": 2.0, "person": "P1", "target": "camera"}])
    assert isinstance(ix.persons[0], Person) and isinstance(ix.gaze, Segments) and len(ix.speech) == 0
    assert ix.role("P1") == "adult" and ix.ids == {"P1"}


def test_a_moment_keeps_its_id_when_a_re_rank_moves_it_in_the_ranking():
    # a look at each other at 10-14 s, the adult watching the child at 40-48 s: which ranks first is
    # the weights' choice, and each keeps its id whatever its rank
    ix = Interaction(duration_s=60.0, persons=[{"id": "P1", "role": "adult"}, {"id": "P2", "role": "child"}],
                     mutual_gaze=[{"start": 10.0, "end": 14.0, "persons": ["P1", "P2"]}],
                     gaze=[{"start": 40.0, "end": 48.0, "person": "P1", "target": "P2"}])
    gaze_first = find_moments(ix, MomentsConfig(count=2))
    watch_first = find_moments(ix, dataclasses.replace(MomentsConfig(count=2), w_mutual_gaze=0.5, w_partner_gaze=6.0))
    assert [m.cues[0].cue for m in gaze_first] == ["mutual_gaze", "partner_gaze"]
    assert [m.cues[0].cue for m in watch_first] == ["partner_gaze", "mutual_gaze"]
    assert [m.id for m in gaze_first] == [m.id for m in reversed(watch_first)]      # same moments, same ids
    assert [m.rank for m in watch_first] == [1, 2] and all(m.id == moment_id(m.start) for m in watch_first)
