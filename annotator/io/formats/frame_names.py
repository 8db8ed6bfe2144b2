"""Which project frame an imported file name means: explicit rules, and a report of which matched.

Rules, tried in this order on the file's stem (folders and extension dropped):
1. Roboflow renames `<stem>_<ext>.rf.<hex hash>` are reduced to `<stem>` first
   (`frame_000010_jpg.rf.3f2a9c.jpg` -> `frame_000010`), so the hash's digits never count.
2. Our export names `<video stem>_v<id>_f<frame>` name the video and the frame exactly.
3. A parent folder named like our sequences (`<video stem>_v<id>/00042.jpg`, YouTube-VIS and
   DAVIS) names the video; the stem's number is the frame.
4. A photo's own file name (as exported: `cars.jpg`, or `cars_v3` where two share a stem)
   is that photo's only frame.
5. Otherwise the stem's trailing number is the frame of the named (or only) video.
In rules 3 and 5, `frame_offset` is subtracted first: 1 for 1-based names such as those of
ffmpeg's `%06d` (`000001.jpg` is frame 0). Names whose numbers start at 1 while no offset
is given get a note saying so, and a frame past the end of the video says to try it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path, PurePosixPath

from annotator.domain import Project, Video
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.naming import (
    parse_frame_stem,
    photo_stems,
    safe_stem,
    trailing_frame_number,
)
from annotator.io.media import media_kind

_ROBOFLOW = re.compile(
    r"^(?P<stem>.+)_(?:jpe?g|png|bmp|webp|tiff?)\.rf\.[0-9a-f]{6,}$", re.IGNORECASE
)
_SEQUENCE = re.compile(r"^(?P<stem>.*)_v(?P<video>\d+)$")

RULES = {
    "export": "annotator export names (<video>_v<id>_f<frame>)",
    "sequence": "sequence folder + frame number (<video>_v<id>/<frame>)",
    "photo": "photo file name",
    "number": "trailing frame number",
}


def strip_roboflow(stem: str) -> tuple[str, bool]:
    """(stem without Roboflow's `_<ext>.rf.<hash>` suffix, whether there was one)."""
    m = _ROBOFLOW.match(stem)
    return (m.group("stem"), True) if m else (stem, False)


class FrameResolver:
    """Maps dataset image file names to (video, frame) of a project (see module doc)."""

    def __init__(
        self, project: Project, video_id: int | None = None, *, frame_offset: int = 0
    ) -> None:
        self._videos = {v.id: v for v in project.videos}
        if video_id is not None and video_id not in self._videos:
            raise ImportError_(f"the project has no video {video_id}")
        if not isinstance(frame_offset, int) or frame_offset < 0:
            raise ImportError_(f"frame offset must be an int >= 0, got {frame_offset!r}")
        self._default = video_id
        if self._default is None and len(self._videos) == 1:
            self._default = next(iter(self._videos))
        self._by_stem: dict[str, list[Video]] = {}
        for v in self._videos.values():
            self._by_stem.setdefault(safe_stem(v.path), []).append(v)
        photos = [v for v in self._videos.values() if media_kind(v) == "photo"]
        self._photos = {
            stem: self._videos[vid]
            for vid, stem in photo_stems((v.id, v.path) for v in photos).items()
        }
        self.frame_offset = frame_offset
        self.matched: Counter[str] = Counter()
        self.roboflow = 0
        self._numbers: list[int] = []

    def video_of_sequence(self, name: str) -> Video | None:
        """The project video a sequence name of ours (`<video stem>_v<id>`) names, or None."""
        m = _SEQUENCE.match(name)
        if not m:
            return None
        video = self._videos.get(int(m.group("video")))
        if video is not None and safe_stem(video.path) == m.group("stem"):
            return video
        same = self._by_stem.get(m.group("stem"), [])
        return same[0] if len(same) == 1 else None

    def sequence_video(self, name: str, where: str) -> Video:
        """The video of a whole sequence: named like ours, else the named (or only) video."""
        video = self.video_of_sequence(name)
        if video is None and self._default is not None:
            video = self._videos[self._default]
        if video is None:
            raise ImportError_(
                f"sequence {name!r} names no project video: pass the video id (--video)",
                file=where,
            )
        return video

    def resolve(self, file_name: str) -> tuple[Video, int] | None:
        """(video, frame) the name means, or None when no rule matches."""
        path = PurePosixPath(file_name.replace("\\", "/"))
        stem, renamed = strip_roboflow(path.stem)
        found = self._resolve(stem, path.parent.name)
        if found is not None:
            self.roboflow += renamed
        return found

    def _resolve(self, stem: str, folder: str) -> tuple[Video, int] | None:
        ours = parse_frame_stem(stem)
        if ours is not None:
            video = self.video_of_sequence(stem.rsplit("_f", 1)[0])
            if video is not None:
                self.matched["export"] += 1
                return video, ours[1]
        photo = self._photos.get(stem)
        if photo is not None:
            self.matched["photo"] += 1
            return photo, 0
        number = trailing_frame_number(stem)
        if number is None:
            return None
        video = self.video_of_sequence(folder) if folder else None
        rule = "sequence"
        if video is None and self._default is not None:
            video, rule = self._videos[self._default], "number"
        if video is None or number < self.frame_offset:
            return None
        self.matched[rule] += 1
        self._numbers.append(number)
        return video, number - self.frame_offset

    def unmatched(self, name: str) -> str:
        """Why `name` maps to no frame, and what to do about it."""
        stem = strip_roboflow(PurePosixPath(name.replace("\\", "/")).stem)[0]
        if self._default is None and len(self._videos) > 1:
            return (
                f"{name!r:.80} matches no video frame of the project: it is not an annotator "
                "export name, so say which video it belongs to with --video ID"
            )
        if trailing_frame_number(stem) is None:
            return f"{name!r:.80} matches no video frame of the project: it has no frame number"
        return f"{name!r:.80} is before frame 0 after --frame-offset {self.frame_offset}"

    def past_end(self, video: Video, frame: int) -> str | None:
        """Why frame is not in video (with the --frame-offset hint), or None when it is."""
        if frame < video.num_frames:
            return None
        hint = ""
        if self.frame_offset == 0 and frame == video.num_frames:
            hint = " (if the names are 1-based, as ffmpeg's %06d writes them, use --frame-offset 1)"
        return (
            f"frame {frame} is past the end of video {video.id} ({video.num_frames} frames){hint}"
        )

    def frame_of_file(self, path: Path, *names: str) -> tuple[Video, int]:
        """The (video, frame) a label file stands for, by the first of `names` that resolves
        (default: its own name); ImportError_ naming the file when none does or the frame is
        past the video's end."""
        found = next(
            (hit for name in (*names, path.name) if (hit := self.resolve(name)) is not None), None
        )
        if found is None:
            raise ImportError_(self.unmatched(path.name), file=path)
        if (why := self.past_end(*found)) is not None:
            raise ImportError_(why, file=path)
        return found

    def notes(self) -> list[str]:
        """What matched how, and a warning when numbered names look 1-based."""
        out = []
        if self.matched:
            parts = [f"{n} by {RULES[rule]}" for rule, n in sorted(self.matched.items())]
            offset = f", offset {self.frame_offset} subtracted" if self.frame_offset else ""
            out.append(f"frame names matched: {'; '.join(parts)}{offset}")
        if self.roboflow:
            out.append(f"{self.roboflow} Roboflow-renamed names (<name>_<ext>.rf.<hash>) read")
        if self._numbers and self.frame_offset == 0 and min(self._numbers) == 1:
            out.append(
                "warning: the frame numbers in the names start at 1, not 0; if they are "
                "1-based (ffmpeg's %06d), import again with --frame-offset 1"
            )
        return out
