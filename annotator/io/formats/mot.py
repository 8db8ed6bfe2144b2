"""MOTChallenge box tracks: `<seq>/gt/gt.txt`, `<seq>/seqinfo.ini` and `<seq>/img1/`.

gt.txt rows: `frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility` with
1-based frame numbers (frame k of the video is k+1), ids 1..K per sequence (tracks in id
order), boxes in MOTChallenge's 1-based pixel coordinates (the top-left pixel is (1, 1)),
conf 1 (evaluate), class = the category's 1-based export number, visibility 1.
Rows are sorted by id, then frame, as in the MOT17 ground truth.
"""

from __future__ import annotations

from pathlib import Path

from annotator.domain import Project
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
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
) -> ExportSummary:
    """Write one MOTChallenge sequence folder per video of `project` under `out_dir`."""
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
                    cls = plan.label(rec.track_id)
                    text = f"{frame + 1},{obj},{x + 1:g},{y + 1:g},{w:g},{h:g},1,{cls},1"
                    rows.append((obj, frame, text))
            rows.sort()
            write_text_atomic(out / seq / "gt" / "gt.txt", "".join(r[2] + "\n" for r in rows))
            info = seqinfo(
                seq, video.fps, video.num_frames, video.width, video.height, options.image_ext
            )
            write_text_atomic(out / seq / "seqinfo.ini", info)
            summary.annotations += len(rows)
            summary.files += [out / seq / "gt" / "gt.txt", out / seq / "seqinfo.ini"]
    return summary
