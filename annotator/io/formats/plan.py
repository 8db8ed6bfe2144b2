"""What an export contains: the selected videos, frames, categories and tracks of a Project.

Every exporter builds an `ExportPlan` first, then streams `plan.frames(video)`: one
(frame, [FrameMask...]) pair per selected frame, masks read lazily in (frame, track) order.
Numbers written to files are dense and deterministic: categories 1..N in export order,
tracks 1..M in (video, track id) order, so re-exporting the same content gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from annotator.domain import Category, FrameMask, Project, Track, Video
from annotator.io.formats.errors import ExportError
from annotator.io.formats.naming import frame_stem, photo_stems
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.original_image import copy_original
from annotator.io.formats.split import assign_split
from annotator.io.formats.staging import staged_folder
from annotator.io.media import media_kind


class FrameSource(Protocol):
    """`len(src)` frames; `src[i]` is an RGB uint8 array (H, W, 3)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> Any: ...


OpenFrames = Callable[[Video], FrameSource]
"""Opens the frames of a project video (e.g. `annotator.io.frames.open_frames`)."""


@dataclass
class ExportSummary:
    """What an export wrote: counts, the files, and anything skipped (with why)."""

    out_dir: Path
    images: int = 0
    annotations: int = 0
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class ExportPlan:
    """The selection of one export (see module doc)."""

    project: Project
    options: ExportOptions
    videos: list[Video]
    categories: list[Category]
    tracks: dict[int, Track]
    frames_by_video: dict[int, list[int]]
    category_number: dict[int, int]
    track_number: dict[int, int]
    split: dict[tuple[int, int], str]
    skipped: list[str]
    photo_stems: dict[int, str] = field(default_factory=dict)
    frames_done: set[tuple[int, int]] = field(default_factory=set)

    def coco_categories(self) -> list[dict[str, Any]]:
        """The `categories` list of COCO-style JSON (ids 1..N in export order)."""
        return [
            {"id": self.category_number[c.id], "name": c.name, "supercategory": ""}
            for c in self.categories
        ]

    def image_stem(self, video: Video, frame: int) -> str:
        """The exported image's name without extension: a photo keeps its own file name,
        a video frame gets `frame_stem`'s stable, unique name."""
        return self.photo_stems.get(video.id) or frame_stem(video.path, video.id, frame)

    def frames(self, video: Video) -> Iterator[tuple[int, list[FrameMask]]]:
        """(frame, records of selected tracks sorted by track id) per selected frame.

        Records have a non-empty mask, or are box prompts not yet made masks (`pending_box`),
        which only box formats (YOLO detect, MOT) write.
        """
        wanted = self.frames_by_video.get(video.id, [])
        if not wanted:
            return
        records = self.project.masks(video.id, first=wanted[0], last=wanted[-1])
        pending = iter(records)
        nxt = next(pending, None)
        for f in wanted:
            while nxt is not None and nxt.frame < f:
                nxt = next(pending, None)
            out: list[FrameMask] = []
            while nxt is not None and nxt.frame == f:
                if nxt.track_id in self.tracks and (not nxt.mask.is_empty or pending_box(nxt)):
                    _check_size(nxt, video)
                    out.append(nxt)
                nxt = next(pending, None)
            if out or not self.options.only_annotated:
                yield f, out
            self._report_frame(video.id, f)

    def _report_frame(self, video_id: int, frame: int) -> None:
        """Tell `options.progress` how many distinct selected frames are done (a format that
        passes over the frames twice, such as a COCO split, reports each frame once)."""
        if self.options.progress is None:
            return
        self.frames_done.add((video_id, frame))
        total = sum(len(f) for f in self.frames_by_video.values())
        self.options.progress(len(self.frames_done), total)

    def label(self, track_id: int) -> int:
        """1-based category number of a track."""
        cat = self.tracks[track_id].category_id
        assert cat is not None
        return self.category_number[cat]


def pending_box(rec: FrameMask) -> tuple[float, float, float, float] | None:
    """The box of an imported box prompt that has no mask yet, else None."""
    if rec.mask.is_empty and rec.prompt is not None and rec.prompt.box is not None:
        return rec.prompt.box
    return None


def _check_size(rec: FrameMask, video: Video) -> None:
    if rec.mask.size != (video.height, video.width):
        raise ExportError(
            f"mask of track {rec.track_id} on frame {rec.frame} is {rec.mask.size[1]}x"
            f"{rec.mask.size[0]} but video {video.id} is {video.width}x{video.height}"
        )


def _select_categories(project: Project, wanted: Sequence[str] | None) -> list[Category]:
    cats = project.categories
    if wanted is None:
        return cats
    chosen: list[Category] = []
    for key in wanted:
        match = [c for c in cats if c.name == key or str(c.id) == key]
        if not match:
            names = ", ".join(c.name for c in cats) or "none"
            raise ExportError(f"no category {key!r} in the project (have: {names})")
        chosen.extend(c for c in match if c not in chosen)
    return [c for c in cats if c in chosen]  # keep export order


def build_plan(project: Project, options: ExportOptions) -> ExportPlan:
    """Select videos, frames, categories and tracks for an export; number them densely."""
    categories = _select_categories(project, options.categories)
    category_number = {c.id: i + 1 for i, c in enumerate(categories)}
    skipped: list[str] = []
    tracks: dict[int, Track] = {}
    for t in project.tracks():
        if t.category_id is None:
            skipped.append(f"track {t.id} ({t.name}) has no category")
        elif t.category_id in category_number:
            tracks[t.id] = t
    videos = project.videos
    frames_by_video = {v.id: options.select_frames(v.num_frames) for v in videos}
    if options.only_annotated:
        for v in videos:
            present = set(project.frames_with_masks(v.id))
            frames_by_video[v.id] = [f for f in frames_by_video[v.id] if f in present]
    track_number = {t.id: i + 1 for i, t in enumerate(sorted(tracks.values(), key=_track_key))}
    split = assign_split(frames_by_video, options.val_fraction, options.seed)
    return ExportPlan(
        project=project,
        options=options,
        videos=videos,
        categories=categories,
        tracks=tracks,
        frames_by_video=frames_by_video,
        category_number=category_number,
        track_number=track_number,
        split=split,
        skipped=skipped,
        photo_stems=photo_stems((v.id, v.path) for v in videos if media_kind(v) == "photo"),
    )


def _track_key(t: Track) -> tuple[int, int]:
    return (t.video_id, t.id)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file via a temp file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc


class FrameWriter:
    """Writes frame images of one video at a time as JPEG/PNG with OpenCV, or copies the
    frame's own image file where it holds the same pixels (original_image.py).

    Sources are opened lazily and closed when the next video starts or on `close()`;
    a source whose `fingerprint` differs from the video's (the file changed since it was
    annotated) is refused rather than exported under the old labels.
    """

    def __init__(self, open_frames: OpenFrames | None, options: ExportOptions) -> None:
        if options.with_images and open_frames is None:
            raise ExportError("writing frame images needs a frame opener (or use --no-images)")
        self._open = open_frames
        self._options = options
        self._video_id: int | None = None
        self._source: FrameSource | None = None

    @property
    def enabled(self) -> bool:
        return self._options.with_images

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the open frame source, if any."""
        source, self._source, self._video_id = self._source, None, None
        closer = getattr(source, "close", None)
        if callable(closer):
            closer()

    def _source_for(self, video: Video) -> FrameSource:
        if self._video_id != video.id or self._source is None:
            self.close()
            assert self._open is not None
            source = self._open(video)
            fingerprint = getattr(source, "fingerprint", None)
            if isinstance(fingerprint, str) and fingerprint != video.fingerprint:
                closer = getattr(source, "close", None)
                if callable(closer):
                    closer()
                raise ExportError(f"{video.path} changed since it was annotated (fingerprint)")
            self._source, self._video_id = source, video.id
        return self._source

    def write(self, video: Video, frame: int, path: Path) -> None:
        """Write frame `frame` of `video` to `path` (folder created as needed)."""
        if not self.enabled:
            return
        source = self._source_for(video)
        if frame >= len(source):
            raise ExportError(f"video {video.path} has no frame {frame} ({len(source)})")
        rgb = np.asarray(source[frame])
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[:2] != (video.height, video.width):
            raise ExportError(f"frame {frame} of {video.path} has shape {rgb.shape}")
        if copy_original(source, frame, rgb, path):
            return
        params: list[int] = []
        if path.suffix == ".jpg":
            params = [cv2.IMWRITE_JPEG_QUALITY, int(self._options.jpeg_quality)]
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params):
            raise ExportError(f"cannot write image {path}")


@contextmanager
def export_run(
    project: Project,
    out_dir: str | os.PathLike[str],
    options: ExportOptions,
    open_frames: OpenFrames | None,
) -> Iterator[tuple[Path, ExportPlan, FrameWriter, ExportSummary]]:
    """What every exporter starts with: a staging folder to write into (see `staging`), the
    plan built, a frame writer open (closed on exit) and an empty summary carrying the
    plan's skipped notes. When the body returns, the staging folder becomes `out_dir` and the
    summary's paths point there; when it raises, nothing is left behind."""
    plan = build_plan(project, options)
    target = Path(out_dir)
    summary = ExportSummary(out_dir=target, skipped=list(plan.skipped))
    with staged_folder(target, overwrite=options.overwrite) as out:
        with FrameWriter(open_frames, options) as writer:
            yield out, plan, writer, summary
        summary.files = [target / f.relative_to(out) for f in summary.files]
