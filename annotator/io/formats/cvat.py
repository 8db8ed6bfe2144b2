"""CVAT for video 1.1 XML: export and import of tracks (the natural home of tracker output).

Layout: one folder per video, `<seq>/annotations.xml` and `<seq>/images/frame_000000.jpg`
(CVAT's frame names). The XML holds `<version>1.1</version>`, a `<meta><task>` with the
frame range, labels and `original_size`, and one `<track id label source>` per track: a
`<polygon frame keyframe="1" outside="0" occluded="0" points="x,y;..." z_order="0">` on
every frame the object is present (parts and holes bridged into one exact polygon, as for
YOLO), and an `outside="1"` copy of the last shape on the first frame after each run of
presence, which is how CVAT ends a track. A track with only box prompts writes `<box>`es.

Import reads every `<track>` (and CVAT-for-images `<image>` shapes): polygons become masks,
boxes become box prompts, `outside="1"` shapes mean "absent" and are skipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from annotator.domain import Mask, Project
from annotator.io.formats import geometry
from annotator.io.formats.errors import ImportError_
from annotator.io.formats.frame_names import FrameResolver
from annotator.io.formats.importing import (
    ImportResult,
    PlannedMask,
    PlannedTrack,
    categories_to_create,
    drop_already_imported,
)
from annotator.io.formats.naming import sequence_name
from annotator.io.formats.options import ExportOptions
from annotator.io.formats.plan import (
    ExportSummary,
    OpenFrames,
    export_run,
    pending_box,
    write_text_atomic,
)
from annotator.io.formats.rle import mask_rings
from annotator.io.formats.validate import Where, read_bytes

Shape = tuple[str, dict[str, str]]


def _points(poly: np.ndarray) -> str:
    return ";".join(f"{x:.2f},{y:.2f}" for x, y in poly.tolist())


def _shape(mask: Mask, box: tuple[float, ...] | None, options: ExportOptions) -> Shape | None:
    """("polygon", attrs) of a mask, ("box", attrs) of a box prompt, None if empty."""
    if box is not None:
        keys = ("xtl", "ytl", "xbr", "ybr")
        return "box", {k: f"{v:.2f}" for k, v in zip(keys, box, strict=True)}
    poly = geometry.rings_to_single_polygon(
        mask_rings(mask), keep_holes=options.keep_holes, tolerance=options.polygon_tolerance
    )
    return None if poly is None else ("polygon", {"points": _points(poly)})


def _track_xml(
    parent: ET.Element, number: int, label: str, shapes: dict[int, Shape], num_frames: int
) -> None:
    track = ET.SubElement(parent, "track", id=str(number), label=label, source="manual")
    kinds = {kind for kind, _ in shapes.values()}
    kind_wanted = "polygon" if "polygon" in kinds else "box"
    frames = sorted(f for f, (kind, _) in shapes.items() if kind == kind_wanted)
    for i, frame in enumerate(frames):
        attrs = shapes[frame][1]
        common = {"frame": str(frame), "keyframe": "1", "occluded": "0", "z_order": "0"}
        ET.SubElement(track, kind_wanted, {**common, "outside": "0", **attrs})
        last = i + 1 == len(frames) or frames[i + 1] != frame + 1
        if last and frame + 1 < num_frames:
            end = {**common, "frame": str(frame + 1), "outside": "1", **attrs}
            ET.SubElement(track, kind_wanted, end)


def export_cvat(
    project: Project,
    out_dir: str | Path,
    options: ExportOptions | None = None,
    open_frames: OpenFrames | None = None,
) -> ExportSummary:
    """Write one CVAT for video 1.1 task folder per video of `project` (see module doc)."""
    options = options or ExportOptions()
    with export_run(project, out_dir, options, open_frames) as (out, plan, writer, summary):
        names = {c.id: c.name for c in plan.categories}
        for video in plan.videos:
            seq = sequence_name(video.path, video.id)
            shapes: dict[int, dict[int, Shape]] = {}
            for frame, records in plan.frames(video):
                writer.write(video, frame, out / seq / "images" / f"frame_{frame:06d}.jpg")
                summary.images += 1
                for rec in records:
                    shape = _shape(rec.mask, pending_box(rec), options)
                    if shape is not None:
                        shapes.setdefault(rec.track_id, {})[frame] = shape
                        summary.annotations += 1
            root = ET.Element("annotations")
            ET.SubElement(root, "version").text = "1.1"
            task = ET.SubElement(ET.SubElement(root, "meta"), "task")
            n = video.num_frames
            meta = {"name": seq, "size": n, "mode": "interpolation", "overlap": 0,
                    "start_frame": 0, "stop_frame": n - 1}  # fmt: skip
            for key, value in meta.items():
                ET.SubElement(task, key).text = str(value)
            labels = ET.SubElement(task, "labels")
            for cat in plan.categories:
                label = ET.SubElement(labels, "label")
                ET.SubElement(label, "name").text = cat.name
                ET.SubElement(label, "color").text = "#{:02x}{:02x}{:02x}".format(*cat.colour)
                ET.SubElement(label, "type").text = "any"
                ET.SubElement(label, "attributes")
            size = ET.SubElement(task, "original_size")
            ET.SubElement(size, "width").text = str(video.width)
            ET.SubElement(size, "height").text = str(video.height)
            for track_id in sorted(shapes):
                label_name = names[plan.tracks[track_id].category_id or 0]
                number = plan.track_number[track_id] - 1
                _track_xml(root, number, label_name, shapes[track_id], video.num_frames)
            ET.indent(root)
            text = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode")
            write_text_atomic(out / seq / "annotations.xml", text + "\n")
            summary.files.append(out / seq / "annotations.xml")
    return summary


def _xml_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    found = sorted(source.glob("*.xml")) + sorted(source.glob("*/annotations.xml"))
    if not found:
        raise ImportError_("no CVAT annotations.xml found", file=source)
    return found


def _read_shape(el: ET.Element, w: int, h: int, here: Where) -> tuple[Mask | None, tuple | None]:
    try:
        if el.tag == "box":
            x0, y0, x1, y1 = (float(el.attrib[k]) for k in ("xtl", "ytl", "xbr", "ybr"))
            box = (max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1))
            if box[2] <= box[0] or box[3] <= box[1]:
                raise here.error(f"box {el.attrib} is empty or outside the {w}x{h} image")
            return None, box
        pts = np.array(
            [[float(v) for v in p.split(",")] for p in el.attrib["points"].split(";")], np.float64
        )
    except (KeyError, ValueError) as exc:
        raise here.error(f"malformed <{el.tag}>: {exc}") from None
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3 or not np.all(np.isfinite(pts)):
        raise here.error("a polygon needs >= 3 finite x,y points")
    pts = np.clip(pts, 0.0, [w, h])
    return Mask.from_array(geometry.polygons_to_mask([pts], h, w)), None


def read_cvat(project: Project, source: str | Path, *, video_id: int | None = None) -> ImportResult:
    """Validate CVAT for video (or images) 1.1 XML; tracks keep their identity."""
    source = Path(source)
    resolver = FrameResolver(project, video_id)
    result = ImportResult(source=str(source))
    for path in _xml_files(source):
        try:
            root = ET.fromstring(read_bytes(path))
        except ET.ParseError as exc:
            raise ImportError_(f"invalid XML: {exc}", file=path, line=exc.position[0]) from None
        if root.tag != "annotations":
            raise ImportError_("not CVAT XML (no <annotations> root)", file=path)
        seq = path.parent.name if path.name == "annotations.xml" else path.stem
        video = resolver.sequence_video(seq, str(path))
        for track in root.iter("track"):
            here = Where(path, annotation_id=f"track {track.get('id')}")
            key = ("cvat", str(path), track.get("id"))
            label = (track.get("label") or "").strip() or None
            result.tracks.append(PlannedTrack(key, video.id, label, f"{label} {track.get('id')}"))
            for el in track:
                if el.tag not in ("polygon", "box") or el.get("outside") == "1":
                    continue
                frame = int(el.get("frame", "-1"))
                if not 0 <= frame < video.num_frames:
                    raise here.error(f"frame {frame} is outside video {video.id}")
                mask, box = _read_shape(el, video.width, video.height, here)
                result.masks.append(PlannedMask(key, frame, mask, box))
        for image in root.iter("image"):
            found = resolver.resolve(image.get("name", ""))
            if found is None:
                raise ImportError_(resolver.unmatched(image.get("name", "")), file=path)
            for k, el in enumerate(e for e in image if e.tag in ("polygon", "box")):
                image_key = ("cvat-image", str(path), image.get("id"), k)
                label = (el.get("label") or "").strip() or None
                here = Where(path, annotation_id=f"image {image.get('name')} shape {k}")
                mask, box = _read_shape(el, found[0].width, found[0].height, here)
                planned = PlannedTrack(image_key, found[0].id, label, f"{label} {k + 1}")
                result.tracks.append(planned)
                result.masks.append(PlannedMask(image_key, found[1], mask, box))
    with_masks = {m.track_key for m in result.masks}
    result.tracks = [t for t in result.tracks if t.key in with_masks]
    result.new_categories = categories_to_create(project, result)
    drop_already_imported(project, result)
    return result
