"""Which project changes the engine must be told about (Qt-free part of the controller)."""

from __future__ import annotations

import numpy as np

from annotator.domain import AddTrack, Change, FrameMask, Mask, Project, Prompt, Provenance, Video
from annotator.ui.engine_sync import EngineSync


def record(frame: int, provenance: Provenance) -> FrameMask:
    mask = Mask.from_array(np.eye(4, dtype=bool))
    prompt = Prompt(points=((1.0, 1.0),), labels=(1,)) if provenance.is_key else None
    return FrameMask(1, frame, 1, mask, provenance, None, prompt)


def test_only_keyframe_changes_and_tracks_need_a_replay() -> None:
    project = Project()
    project.put_video(Video(1, "v.mp4", "f", 30.0, 4, 4, 10))
    AddTrack(1).apply(project)
    project.put_masks([record(2, Provenance.PROMPTED), record(5, Provenance.EDITED)])
    sync = EngineSync(project, 1)
    propagated = {(1, f, 1): Change(None, record(f, Provenance.PROPAGATED)) for f in range(3, 9)}
    sync.note_change(propagated, [])
    assert sync.pending == 0  # undoing a propagation run needs nothing from the engine
    sync.note_change({(1, 2, 1): Change(record(2, Provenance.PROMPTED), None)}, [7])
    assert sync.pending == 2  # one keyframe, one track
    sync.prompt_sent(2, 1)  # the user re-prompted that frame: the engine has it
    assert sync.pending == 1
    fresh = EngineSync(project, 1)
    fresh.note_keyframes([1])
    assert fresh.pending == 2  # frames 2 and 5 of a reopened project


def test_replays_are_recognised_once() -> None:
    sync = EngineSync(Project(), 1)
    sync.note_replay(42)
    assert sync.is_replay(42) and not sync.is_replay(42) and not sync.is_replay(7)
