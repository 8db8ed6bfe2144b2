"""SA-V (Segment Anything Video) annotation import.

An SA-V file (`sav_XXXXXX_manual.json` / `_auto.json`) holds `masklet`: one list per
annotated frame (every 4th frame of the 24 fps video, i.e. 6 fps), each with one COCO RLE
per masklet, in the order of `masklet_id`. Each masklet becomes a track; every annotated
frame becomes an IMPORTED record, including frames where the masklet is absent (an empty
mask: the annotators said "not visible here").
"""

from __future__ import annotations

from pathlib import Path

from annotator.domain import Project, Video
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    drop_already_imported,
)
from annotator.io.formats.validate import (
    MAX_SIDE,
    Where,
    as_dict,
    as_int,
    as_list,
    as_str,
    get,
    load_json,
    read_rle,
)

SAV_FRAME_STEP = 4


def _pick_video(project: Project, width: int, height: int, video_id: int | None) -> Video:
    if video_id is not None:
        videos = [v for v in project.videos if v.id == video_id]
        if not videos:
            raise ImportError_(f"the project has no video {video_id}")
    else:
        videos = [v for v in project.videos if (v.width, v.height) == (width, height)]
        if len(videos) != 1:
            raise ImportError_(
                f"{len(videos)} project videos are {width}x{height}; name one with video_id"
            )
    video = videos[0]
    if (video.width, video.height) != (width, height):
        raise ImportError_(
            f"annotations are {width}x{height} but video {video.id} is {video.width}x{video.height}"
        )
    return video


def read_sav(
    project: Project,
    path: str | Path,
    *,
    video_id: int | None = None,
    category: str | None = None,
    frame_step: int = SAV_FRAME_STEP,
) -> ImportResult:
    """Validate an SA-V annotation file; return its masklets as tracks of one project video.

    The video is `video_id`, else the only project video of the annotations' size. Tracks
    get `category` (created if missing) or none.
    """
    path = Path(path)
    where = Where(path)
    root = as_dict(load_json(path), "the top level", where)
    width = as_int(get(root, "video_width", where), "video_width", where, lo=1, hi=MAX_SIDE)
    height = as_int(get(root, "video_height", where), "video_height", where, lo=1, hi=MAX_SIDE)
    video = _pick_video(project, width, height, video_id)
    ids = [
        as_int(v, "masklet_id", where)
        for v in as_list(get(root, "masklet_id", where), "ids", where)
    ]
    if len(set(ids)) != len(ids):
        raise where.error("masklet_id has duplicates")
    frames = as_list(get(root, "masklet", where), "masklet", where)
    if frames and (len(frames) - 1) * frame_step >= video.num_frames:
        raise where.error(
            f"{len(frames)} annotated frames every {frame_step} need "
            f"{(len(frames) - 1) * frame_step + 1} video frames, video {video.id} has "
            f"{video.num_frames}"
        )
    if category is not None:
        category = as_str(category, "category", where).strip()
        if not category:
            raise ImportError_("category name must not be empty", file=path)
    result = ImportResult(source=str(path))
    if category and project.category_by_name(category) is None:
        result.new_categories.append(category)
    for mid in ids:
        result.tracks.append(PlannedTrack(("sav", mid), video.id, category, f"masklet {mid}"))
    for i, per_frame in enumerate(frames):
        frame = i * frame_step
        rles = as_list(per_frame, f"masklet[{i}]", where.at(annotation_id=f"frame {frame}"))
        if len(rles) != len(ids):
            raise where.at(annotation_id=f"frame {frame}").error(
                f"{len(rles)} masks but {len(ids)} masklet ids"
            )
        for mid, rle in zip(ids, rles, strict=True):
            here = where.at(annotation_id=f"masklet {mid} frame {frame}")
            result.masks.append(
                PlannedMask(("sav", mid), frame, read_rle(rle, height, width, here))
            )
    drop_already_imported(project, result)
    return result
