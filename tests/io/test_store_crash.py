"""Crash safety: a child writes propagated frames as fast as it can and is SIGKILLed at
random moments; every frame whose commit was reported survives, nothing is half-written."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.domain import AddTrack, AddVideo, History
from annotator.io.store import create_project, inspect_file, open_project
from tests.domain.helpers import blob_mask

H, W, TRACKS, POOL = 90, 120, 5, 12

CHILD = f"""
import sys
from annotator.domain import FrameMask, History
from annotator.io.store import open_project
from tests.domain.helpers import blob_mask

H, W, POOL = {H}, {W}, {POOL}
path, start = sys.argv[1], int(sys.argv[2])
pool = [blob_mask(H, W, 20 + 6 * i, 45, 15, 10) for i in range(POOL)]
project = open_project(path)
video = project.videos[0]
tracks = [t.id for t in project.tracks()]
batch = History(project).begin_batch("Propagate")
for frame in range(start, video.num_frames):
    batch.add_frame(
        [FrameMask(video.id, frame, t, pool[(frame + t) % POOL], score=frame / 7.0) for t in tracks]
    )
    print(frame, flush=True)  # the commit has returned
"""


@pytest.mark.slow
def test_sigkill_during_propagation_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "crash.annotator"
    project = create_project(path)
    h = History(project)
    vid = h.execute(AddVideo("a.mp4", "fp", 25, W, H, 1_000_000)).video_id
    tracks = [h.execute(AddTrack(vid)).track_id for _ in range(TRACKS)]
    project.close()
    pool = [blob_mask(H, W, 20 + 6 * i, 45, 15, 10) for i in range(POOL)]
    rng = random.Random(20240611)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    next_frame = 0
    reported_total = 0
    for trial in range(20):
        err_file = (tmp_path / f"child{trial}.err").open("w+")
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(next_frame)],
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
            cwd=root,
            env=env,
        )
        assert child.stdout is not None
        reported: list[int] = []
        target = rng.randint(1, 150)
        for line in child.stdout:
            reported.append(int(line))
            if len(reported) >= target:
                break
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()  # lines printed before the kill landed, buffered or not
        reported += [int(line) for line in rest.split()]
        child.wait(timeout=60)
        err_file.seek(0)
        err = err_file.read()
        err_file.close()
        assert child.returncode == -signal.SIGKILL, f"trial {trial}: child ended early: {err}"
        assert reported, f"trial {trial}: child reported nothing: {err}"
        reported_total += len(reported)

        assert inspect_file(path) >= 1  # validates read-only, quick_check included
        with open_project(path) as reopened:  # the dead child's lock is stale: taken over
            frames = reopened.frames_with_masks(vid)
            assert set(reported) <= set(frames), f"trial {trial}: a reported frame is missing"
            # frames are written in order; only the frame being written when killed may be
            # there unreported (its commit finished, the print did not)
            assert frames == list(range(len(frames)))
            assert len(frames) - 1 <= reported[-1] + 1
            for frame in range(next_frame, len(frames)):
                records = reopened.frame_masks(vid, frame)
                assert [r.track_id for r in records] == tracks, f"frame {frame} half-written"
                for r in records:
                    assert r.mask == pool[(frame + r.track_id) % POOL]
                    assert r.score == pytest.approx(frame / 7.0)
            next_frame = len(frames)
    assert reported_total >= 20
