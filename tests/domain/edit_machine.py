"""A hypothesis state machine of random edit sequences with undo/redo, reused by the store
tests over SQLite. Invariants: undo restores the exact prior dump, redo the exact later one,
a refused edit changes nothing, and every changed mask is covered by a MasksChanged event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from annotator.domain import (
    AddCategory,
    AddTrack,
    AddVideo,
    ClearMasks,
    Command,
    DeleteCategory,
    DeleteTracks,
    DomainError,
    FrameMask,
    History,
    MasksChanged,
    MergeCategories,
    Project,
    Prompt,
    Provenance,
    ReassignTracks,
    RecolourCategory,
    RecolourTrack,
    RemoveTrack,
    RemoveVideo,
    RenameCategory,
    RenameTrack,
    ReorderCategories,
    SetMask,
    SetTrackCategory,
    SetTrackFlags,
)
from tests.domain.helpers import dump, rect_mask

H, W, N_FRAMES = 6, 8, 6
ids = st.integers(1, 6)
frames = st.integers(0, N_FRAMES - 1)
names = st.sampled_from(["car", "person", "dog", "bus", "tree"])
colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
rects = st.tuples(st.integers(0, W), st.integers(0, H), st.integers(0, W), st.integers(0, H))


def _mask(r: tuple[int, int, int, int]) -> Any:
    x0, y0, x1, y1 = r
    return rect_mask(H, W, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _mask_keys(d: dict[str, Any]) -> dict[tuple[int, int, int], tuple[Any, ...]]:
    return {(m[0], m[1], m[2]): m for m in d["masks"]}


class EditMachine(RuleBasedStateMachine):
    """Subclasses may override `make_project` / `teardown_project` (e.g. a SQLite file)."""

    def make_project(self) -> Project:
        return Project()

    def __init__(self) -> None:
        super().__init__()
        self.project = self.make_project()
        self.history = History(self.project, max_bytes=1 << 40)
        self.events: list[Any] = []
        self.project.subscribe(self.events.append)
        self.undo_pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.redo_pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.current = dump(self.project)

    def teardown(self) -> None:
        self.project.close()

    # --- the driver ---------------------------------------------------------------------
    def run(self, make: Callable[[], Command]) -> None:
        before = self.current
        depth = self.history.depth
        self.events.clear()
        try:
            command = make()
            self.history.execute(command)
        except DomainError:
            assert dump(self.project) == before, "a refused edit must change nothing"
            assert self.history.depth == depth
            return
        after = dump(self.project)
        if self.history.depth[0] == depth[0] + 1:
            self.undo_pairs.append((before, after))
            self.redo_pairs.clear()
        else:
            assert after == before, "a command dropped as a no-op changed the project"
        self._check_events(before, after)
        self.current = after

    def _check_events(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        old, new = _mask_keys(before), _mask_keys(after)
        changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        mask_events = [e for e in self.events if isinstance(e, MasksChanged)]
        for video_id, frame, track_id in changed:
            assert any(
                e.video_id == video_id and track_id in e.track_ids and e.covers(frame)
                for e in mask_events
            ), f"no event for mask change {(video_id, frame, track_id)}"
        if before != after:
            assert self.events, "a change without any event"

    def pick(self, data: st.DataObject, kind: str) -> int:
        """Mostly an existing id of `kind`; sometimes any small id (to exercise refusals)."""
        existing = {
            "video": [v.id for v in self.project.videos],
            "category": [c.id for c in self.project.categories],
            "track": [t.id for t in self.project.tracks()],
        }[kind]
        if existing and data.draw(st.integers(0, 9), label="existing?") > 0:
            return data.draw(st.sampled_from(existing), label=kind)
        return data.draw(ids, label=kind)

    def pick_optional(self, data: st.DataObject, kind: str) -> int | None:
        return None if data.draw(st.integers(0, 4), label="none?") == 0 else self.pick(data, kind)

    # --- rules --------------------------------------------------------------------------
    @initialize(rects_=st.lists(st.tuples(frames, rects), min_size=0, max_size=4))
    def starting_project(self, rects_: list[Any]) -> None:
        """A video with two categories, three tracks and a few masks (all undoable too)."""
        self.run(lambda: AddVideo("v.mp4", "fp", 25.0, W, H, N_FRAMES))
        self.run(lambda: AddCategory("person"))
        self.run(lambda: AddCategory("car"))
        for category in (1, 1, 2):
            self.run(lambda category=category: AddTrack(1, None, category))
        for i, (frame, rect) in enumerate(rects_):
            self.run(lambda i=i, frame=frame, rect=rect: SetMask(1, frame, 1 + i % 3, _mask(rect)))

    @precondition(lambda self: len(self.project.videos) < 3)
    @rule()
    def add_video(self) -> None:
        self.run(lambda: AddVideo("v.mp4", "fp", 25.0, W, H, N_FRAMES))

    @rule(name=names, colour=st.none() | colours)
    def add_category(self, name: str, colour: Any) -> None:
        self.run(lambda: AddCategory(name, colour))

    @rule(data=st.data(), name=st.none() | names)
    def add_track(self, data: st.DataObject, name: str | None) -> None:
        video, category = self.pick(data, "video"), self.pick_optional(data, "category")
        self.run(lambda: AddTrack(video, name, category))

    @rule(data=st.data())
    def remove_track(self, data: st.DataObject) -> None:
        track = self.pick(data, "track")
        self.run(lambda: RemoveTrack(track))

    @precondition(lambda self: len(self.project.videos) > 1)
    @rule(data=st.data())
    def remove_video(self, data: st.DataObject) -> None:
        video = self.pick(data, "video")
        self.run(lambda: RemoveVideo(video))

    @rule(data=st.data(), name=names)
    def rename_track(self, data: st.DataObject, name: str) -> None:
        track = self.pick(data, "track")
        self.run(lambda: RenameTrack(track, name))

    @rule(data=st.data(), colour=colours)
    def recolour_track(self, data: st.DataObject, colour: Any) -> None:
        track = self.pick(data, "track")
        self.run(lambda: RecolourTrack(track, colour))

    @rule(data=st.data(), n=st.integers(1, 3))
    def set_category(self, data: st.DataObject, n: int) -> None:
        tracks = [self.pick(data, "track") for _ in range(n)]
        category = self.pick_optional(data, "category")
        self.run(lambda: SetTrackCategory(tracks, category))

    @rule(data=st.data(), hidden=st.none() | st.booleans(), locked=st.none() | st.booleans())
    def flags(self, data: st.DataObject, hidden: bool | None, locked: bool | None) -> None:
        track = self.pick(data, "track")
        self.run(lambda: SetTrackFlags(track, hidden=hidden, locked=locked))

    @rule(
        data=st.data(),
        frame=frames,
        rect=rects,
        prov=st.sampled_from(list(Provenance)),
        score=st.none() | st.floats(-5, 5),
        with_prompt=st.booleans(),
    )
    def set_mask(
        self,
        data: st.DataObject,
        frame: int,
        rect: Any,
        prov: Provenance,
        score: Any,
        with_prompt: bool,
    ) -> None:
        track = self.pick(data, "track")

        def make() -> Command:
            video = self.project.track(track).video_id
            prompt = Prompt(points=[(1.0, 2.0)], labels=[1]) if with_prompt else None
            return SetMask(video, frame, track, _mask(rect), prov, score, prompt)

        self.run(make)

    @rule(data=st.data(), first=frames, span=st.integers(0, 3))
    def clear_masks(self, data: st.DataObject, first: int, span: int) -> None:
        track = self.pick(data, "track")
        self.run(lambda: ClearMasks(self.project.track(track).video_id, track, first, first + span))

    @rule(data=st.data(), name=names)
    def rename_category(self, data: st.DataObject, name: str) -> None:
        category = self.pick(data, "category")
        self.run(lambda: RenameCategory(category, name))

    @rule(data=st.data(), colour=colours)
    def recolour_category(self, data: st.DataObject, colour: Any) -> None:
        category = self.pick(data, "category")
        self.run(lambda: RecolourCategory(category, colour))

    @rule(data=st.data(), n=st.integers(1, 2))
    def merge_categories(self, data: st.DataObject, n: int) -> None:
        sources = [self.pick(data, "category") for _ in range(n)]
        into = self.pick(data, "category")
        self.run(lambda: MergeCategories(sources, into))

    @rule(data=st.data(), delete_tracks=st.booleans())
    def delete_category(self, data: st.DataObject, delete_tracks: bool) -> None:
        category = self.pick(data, "category")
        to = self.pick_optional(data, "category")
        policy = DeleteTracks() if delete_tracks else ReassignTracks(to)
        self.run(lambda: DeleteCategory(category, policy))

    @rule(data=st.data())
    def reorder_categories(self, data: st.DataObject) -> None:
        current = [c.id for c in self.project.categories]
        order = data.draw(st.permutations(current))
        self.run(lambda: ReorderCategories(order))

    @rule(
        data=st.data(),
        frame_rects=st.lists(st.tuples(frames, rects), min_size=1, max_size=6),
        keep=st.booleans(),
    )
    def propagate(self, data: st.DataObject, frame_rects: list[Any], keep: bool) -> None:
        """A propagation run streamed frame by frame: one undo step."""
        track_frames = [(self.pick(data, "track"), f, r) for f, r in frame_rects]
        before = self.current
        depth = self.history.depth
        self.events.clear()
        batch = self.history.begin_batch("Propagate", keep_keyframes=keep)
        try:
            for track, frame, rect in track_frames:
                if not self.project.has_track(track):
                    continue
                video = self.project.track(track).video_id
                batch.add_frame([FrameMask(video, frame, track, _mask(rect), score=0.5)])
        finally:
            batch.close()
        after = dump(self.project)
        self.redo_pairs.clear()  # starting a run forgets the redo stack, even if it wrote nothing
        if self.history.depth[0] == depth[0] + 1:
            self.undo_pairs.append((before, after))
        else:
            assert after == before
        self._check_events(before, after)
        self.current = after

    @precondition(lambda self: bool(self.undo_pairs))
    @rule()
    def undo(self) -> None:
        before, after = self.undo_pairs.pop()
        assert self.current == after
        self.events.clear()
        self.history.undo()
        self.current = dump(self.project)
        assert self.current == before, "undo did not restore the exact prior state"
        self._check_events(after, before)
        self.redo_pairs.append((before, after))

    @precondition(lambda self: bool(self.redo_pairs))
    @rule()
    def redo(self) -> None:
        before, after = self.redo_pairs.pop()
        self.events.clear()
        self.history.redo()
        self.current = dump(self.project)
        assert self.current == after, "redo did not re-apply the exact state"
        self._check_events(before, after)
        self.undo_pairs.append((before, after))

    @invariant()
    def stacks_agree(self) -> None:
        assert self.history.depth == (len(self.undo_pairs), len(self.redo_pairs))
