"""Each command's behaviour, refusals and undo on a small hand-built project."""

from __future__ import annotations

import pytest

from annotator.domain import (
    AddCategory,
    AddTrack,
    AddVideo,
    ClearMask,
    ConflictError,
    DeleteCategory,
    DeleteTracks,
    FrameMask,
    History,
    InvalidValueError,
    MergeCategories,
    Project,
    ReassignTracks,
    RelinkVideo,
    RemoveTrack,
    RenameCategory,
    ReorderCategories,
    SetMask,
    SetMasks,
    SetTrackFlags,
    UnknownIdError,
    UpdateTracks,
)
from tests.domain.helpers import dump, rect_mask

H, W = 10, 10


@pytest.fixture()
def setup() -> tuple[Project, History, int, list[int], list[int]]:
    p = Project()
    h = History(p)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 20)).video_id
    cats = [h.execute(AddCategory(n)).category_id for n in ("person", "car", "dog")]
    tracks = [h.execute(AddTrack(vid, category_id=c)).track_id for c in (cats[0], cats[0], cats[1])]
    for t in tracks:
        h.execute(
            SetMasks([FrameMask(vid, f, t, rect_mask(H, W, 0, 0, t, f % 5 + 1)) for f in range(4)])
        )
    return p, h, vid, cats, tracks


def test_add_category_assigns_next_export_id_and_order(setup) -> None:
    p, h, vid, cats, tracks = setup
    assert [c.export_id for c in p.categories] == [1, 2, 3]
    assert [c.order for c in p.categories] == [0, 1, 2]
    with pytest.raises(ConflictError):
        h.execute(AddCategory("person"))
    with pytest.raises(ConflictError):
        h.execute(RenameCategory(cats[1], "person"))


def test_delete_category_reassign_policy(setup) -> None:
    p, h, vid, cats, tracks = setup
    before = dump(p)
    h.execute(DeleteCategory(cats[0], ReassignTracks(cats[2])))
    assert [t.category_id for t in p.tracks()] == [cats[2], cats[2], cats[1]]
    assert cats[0] not in [c.id for c in p.categories]
    assert p.count_masks() == 12
    h.undo()
    assert dump(p) == before


def test_delete_category_delete_tracks_policy_removes_masks(setup) -> None:
    p, h, vid, cats, tracks = setup
    before = dump(p)
    h.execute(DeleteCategory(cats[0], DeleteTracks()))
    assert [t.id for t in p.tracks()] == [tracks[2]] and p.count_masks() == 4
    h.undo()
    assert dump(p) == before
    h.redo()
    assert p.count_masks() == 4


def test_delete_category_needs_an_explicit_policy(setup) -> None:
    p, h, vid, cats, tracks = setup
    with pytest.raises(InvalidValueError):
        DeleteCategory(cats[0], None)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        h.execute(DeleteCategory(cats[0], ReassignTracks(cats[0])))


def test_merge_categories(setup) -> None:
    p, h, vid, cats, tracks = setup
    h.execute(MergeCategories([cats[0], cats[2]], cats[1]))
    assert {t.category_id for t in p.tracks()} == {cats[1]}
    assert [c.id for c in p.categories] == [cats[1]]
    with pytest.raises(InvalidValueError):
        h.execute(MergeCategories(cats[1], cats[1]))


def test_reorder_categories(setup) -> None:
    p, h, vid, cats, tracks = setup
    h.execute(ReorderCategories([cats[2], cats[0], cats[1]]))
    assert [c.id for c in p.categories] == [cats[2], cats[0], cats[1]]
    with pytest.raises(InvalidValueError):
        h.execute(ReorderCategories([cats[0]]))
    h.undo()
    assert [c.id for c in p.categories] == cats


def test_locked_track_refuses_mask_edits(setup) -> None:
    p, h, vid, cats, tracks = setup
    h.execute(SetTrackFlags(tracks[0], locked=True, hidden=True))
    assert p.track(tracks[0]).locked and p.track(tracks[0]).hidden
    with pytest.raises(ConflictError):
        h.execute(SetMask(vid, 0, tracks[0], rect_mask(H, W, 0, 0, 1, 1)))
    with pytest.raises(ConflictError):
        h.execute(ClearMask(vid, 0, tracks[0]))


def test_remove_track_and_undo_restores_masks(setup) -> None:
    p, h, vid, cats, tracks = setup
    before = dump(p)
    h.execute(RemoveTrack(tracks[1]))
    assert not p.has_track(tracks[1]) and p.count_masks() == 8
    h.undo()
    assert dump(p) == before
    assert h.execute(AddTrack(vid)).track_id > max(tracks)


def test_update_tracks_rejects_unknown_fields_and_ids(setup) -> None:
    p, h, vid, cats, tracks = setup
    with pytest.raises(InvalidValueError):
        UpdateTracks(tracks[0], video_id=3)
    with pytest.raises(UnknownIdError):
        h.execute(UpdateTracks([tracks[0], 99], name="x"))
    assert p.track(tracks[0]).name != "x"  # all or nothing


def test_relink_video_and_commands_record_only_deltas(setup) -> None:
    p, h, vid, cats, tracks = setup
    cmd = h.execute(RelinkVideo(vid, "/new/a.mp4", "fp"))
    assert p.video(vid).path == "/new/a.mp4"
    assert cmd.delta is not None and not cmd.delta.masks and len(cmd.delta.videos) == 1
    edit = h.execute(SetMask(vid, 2, tracks[0], rect_mask(H, W, 5, 5, 9, 9)))
    assert edit.delta is not None and list(edit.delta.masks) == [(vid, 2, tracks[0])]
    assert edit.nbytes < 1024
