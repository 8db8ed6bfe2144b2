"""MOTChallenge box tracks: `<seq>/gt/gt.txt`, `<seq>/seqinfo.ini` and `<seq>/img1/`.

gt.txt rows: `frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility` with
1-based frame numbers (frame k of the video is k+1), ids 1..K per sequence (tracks in id
order), boxes in MOTChallenge's 1-based pixel coordinates (the top-left pixel is (1, 1)),
conf 1 (evaluate), class 1 ("pedestrian", the one class MOTChallenge evaluators such as
TrackEval score: they treat 2, 7, 8 and 12 as distractors and refuse others) or, with
`keep_categories`, the category's 1-based export number; visibility 1. Rows are sorted by
id, then frame, as in the MOT17 ground truth. `<seq>/tracks.csv` maps each MOT id to the
track's name and category (`id,track,category,class`), which gt.txt cannot hold.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from annotator.domain import Project
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
    ExportPlan,
    ExportSummary,
    OpenFrames,
    export_run,
    pending_box,
    write_text_atomic,
)


def seqinfo(name: str, fps: float, length: int, width: int, height: int, ext: str) -> str:
    """The seqinfo.ini text of one sequence."""
    return (
        "[Sequence]\n"
        f"name={name}\n"
        "imDir=img1\n"
        f"frameRate={fps:g}\n"
        f"seqLength={length}\n"
        f"imWidth={width}\n"
        f"imHeight={height}\n"
        f"imExt={ext}\n"
    )


def export_mot(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
    *,
    keep_categories: bool = False,
) -> ExportSummary:
    """Write one MOTChallenge sequence folder per video of `project` under `out_dir`.

    Column 8 is 1 for every row unless `keep_categories` (see module doc).
    """
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        for video in plan.videos:
            seq = sequence_name(video.path, video.id)
            own = sorted(t.id for t in plan.tracks.values() if t.video_id == video.id)
            ids = {track_id: k for k, track_id in enumerate(own, start=1)}
            rows: list[tuple[int, int, str]] = []
            for frame, records in plan.frames(video):
                writer.write(
                    video, frame, out / seq / "img1" / f"{frame + 1:06d}{options.image_ext}"
                )
                summary.images += 1
                for rec in records:
                    box = pending_box(rec)
                    if box is not None:
                        x, y, w, h = box[0], box[1], box[2] - box[0], box[3] - box[1]
                    else:
                        x, y, w, h = rec.mask.bbox
                    obj = ids[rec.track_id]
                    cls = plan.label(rec.track_id) if keep_categories else 1
                    text = f"{frame + 1},{obj},{x + 1:g},{y + 1:g},{w:g},{h:g},1,{cls},1"
                    rows.append((obj, frame, text))
            rows.sort()
            write_text_atomic(out / seq / "gt" / "gt.txt", "".join(r[2] + "\n" for r in rows))
            info = seqinfo(
                seq, video.fps, video.num_frames, video.width, video.height, options.image_ext
            )
            write_text_atomic(out / seq / "seqinfo.ini", info)
            write_text_atomic(out / seq / "tracks.csv", _tracks_csv(plan, ids, keep_categories))
            summary.annotations += len(rows)
            summary.files += [out / seq / p for p in ("gt/gt.txt", "seqinfo.ini", "tracks.csv")]
    return summary


def _tracks_csv(plan: ExportPlan, ids: dict[int, int], keep_categories: bool) -> str:
    """`id,track,category,class` rows: MOT id -> track name, category name, column 8."""
    names = {c.id: c.name for c in plan.categories}
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["id", "track", "category", "class"])
    for track_id, obj in sorted(ids.items(), key=lambda kv: kv[1]):
        track = plan.tracks[track_id]
        cls = plan.label(track_id) if keep_categories else 1
        out.writerow([obj, track.name, names[track.category_id or 0], cls])
    return buf.getvalue()
