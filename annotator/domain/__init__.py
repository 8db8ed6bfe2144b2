"""Qt-free, torch-free model of an annotation project.

Records (all immutable; `with_(**fields)` makes a changed copy):
- `Mask`: a binary mask as COCO compressed RLE. `Mask.from_array(bool HxW)`, `to_array()`,
  `size` (h, w), `counts` (bytes), `area`, `bbox` (x, y, w, h floats as pycocotools toBbox),
  `is_empty`, `to_coco()` / `Mask.from_coco(dict)`; equal pixels <=> equal masks (hashable).
- `Category(id, name, colour, export_id, order)`: `order` sorts the export list,
  `export_id` is the id written to label files.
- `Video(id, path, fingerprint, fps, width, height, num_frames)`.
- `Track(id, video_id, category_id | None, name, colour, hidden, locked)`: one object in one
  video; ids are never reused within a project.
- `Prompt(points=((x, y), ...), labels=(1|0, ...), box=(x0, y0, x1, y1) | None)` in frame
  pixels.
- `FrameMask(video_id, frame, track_id, mask, provenance, score, prompt)`: the annotation of
  one track on one frame. `Provenance`: PROMPTED, PROPAGATED, EDITED, IMPORTED; PROMPTED and
  EDITED frames are the track's keyframes.
- `ViewState(video_id, frame, track_id)`: "where was I", saved with the project.
- Colours are RGB tuples; `parse_colour("#rrggbb")`, `colour_to_hex`.

The aggregate:
- `Project(storage=None)`: in memory by default (`MemoryStorage`); the SQLite store in
  `annotator.io.store` gives a file-backed one whose masks load lazily.
  Reads: `categories` (export order), `category(id)`, `videos`, `video(id)`,
  `tracks(video_id=None, category_id=None)`, `track(id)`,
  `masks(video_id, frame=None, track=None, first=None, last=None)` (sorted by frame, track;
  streamed), `mask(video, frame, track)`, `frame_masks(video, frame)`,
  `frames_with_masks(video, track=None, first=None, last=None)`, `keyframes(video, track)`,
  `count_masks()`, `view_state`.
  Raw writes (validated, one transaction each, not undoable - for importers and tools):
  `add_category`, `put_category`, `remove_category`, `put_video`, `remove_video`,
  `put_track`, `remove_track`, `put_masks(records, bulk=False)`, `remove_masks(keys)`,
  `allocate_id(kind)`, `set_view_state`; group several with `with project.transaction():`.
- Events: `project.subscribe(callback) -> unsubscribe`; callbacks get `CategoriesChanged`,
  `VideosChanged`, `TracksChanged`, `MasksChanged(video_id, track_ids, first, last)` or
  `HistoryChanged`, after the change committed, on the writing thread.
- Storage port: `ProjectStorage` / `MaskRepository` protocols (`storage.py`).

Undoable edits (`commands.py`, `history.py`):
- `History(project, max_bytes=256 MiB)`: `execute(cmd)`, `undo()`, `redo()`, `can_undo`,
  `undo_label`, `bytes_used`; depth bounded by the bytes of the recorded mask deltas.
- Commands: `AddTrack`, `RemoveTrack`, `RenameTrack`, `RecolourTrack`, `SetTrackCategory`,
  `SetTrackFlags`, `UpdateTracks`, `MergeTracks`; `SetMask`, `SetMasks`, `ClearMask`, `ClearMasks`;
  `AddCategory`, `RenameCategory`, `RecolourCategory`, `UpdateCategory`,
  `ReorderCategories`, `MergeCategories`, `DeleteCategory(id, ReassignTracks(to) |
  DeleteTracks())`; `AddVideo`, `RelinkVideo`, `RemoveVideo`. Each stores only a `Delta`
  (before/after records), never a project snapshot.
- A propagation run is one step: `batch = history.begin_batch("Propagate")`, then
  `batch.add_frame(records)` per finished frame (each its own committed transaction), then
  `batch.close()` (or use it as a context manager). Undo/redo raise `HistoryError` while a
  batch records.

Errors: everything raised on bad input derives from `DomainError`.
"""

from annotator.domain.commands import (
    AddCategory,
    AddTrack,
    AddVideo,
    ClearMask,
    ClearMasks,
    Command,
    DeleteCategory,
    DeleteTracks,
    MergeCategories,
    ReassignTracks,
    RecolourCategory,
    RecolourTrack,
    RelinkVideo,
    RemoveTrack,
    RemoveVideo,
    RenameCategory,
    RenameTrack,
    ReorderCategories,
    SetMask,
    SetMasks,
    SetTrackCategory,
    SetTrackFlags,
    UpdateCategory,
    UpdateTracks,
    palette_colour,
)
from annotator.domain.delta import Change, Delta
from annotator.domain.entities import (
    Category,
    Colour,
    FrameMask,
    MaskKey,
    Prompt,
    Provenance,
    Track,
    Video,
    ViewState,
    colour_to_hex,
    parse_colour,
)
from annotator.domain.errors import (
    ConflictError,
    DomainError,
    HistoryError,
    InvalidMaskError,
    InvalidValueError,
    UnknownIdError,
)
from annotator.domain.events import (
    CategoriesChanged,
    ChangeKind,
    EventBus,
    HistoryChanged,
    MasksChanged,
    ProjectEvent,
    TracksChanged,
    VideosChanged,
)
from annotator.domain.history import History, PropagationBatch
from annotator.domain.mask import Mask
from annotator.domain.memory_storage import MemoryStorage
from annotator.domain.merge_tracks import MergeTracks
from annotator.domain.project import Project
from annotator.domain.storage import MaskRepository, ProjectStorage

__all__ = [
    "AddCategory",
    "AddTrack",
    "AddVideo",
    "CategoriesChanged",
    "Category",
    "Change",
    "ChangeKind",
    "ClearMask",
    "ClearMasks",
    "Colour",
    "Command",
    "ConflictError",
    "DeleteCategory",
    "DeleteTracks",
    "Delta",
    "DomainError",
    "EventBus",
    "FrameMask",
    "History",
    "HistoryChanged",
    "HistoryError",
    "InvalidMaskError",
    "InvalidValueError",
    "Mask",
    "MaskKey",
    "MaskRepository",
    "MasksChanged",
    "MemoryStorage",
    "MergeCategories",
    "MergeTracks",
    "Project",
    "ProjectEvent",
    "ProjectStorage",
    "Prompt",
    "PropagationBatch",
    "Provenance",
    "ReassignTracks",
    "RecolourCategory",
    "RecolourTrack",
    "RelinkVideo",
    "RemoveTrack",
    "RemoveVideo",
    "RenameCategory",
    "RenameTrack",
    "ReorderCategories",
    "SetMask",
    "SetMasks",
    "SetTrackCategory",
    "SetTrackFlags",
    "Track",
    "TracksChanged",
    "UnknownIdError",
    "UpdateCategory",
    "UpdateTracks",
    "Video",
    "VideosChanged",
    "ViewState",
    "colour_to_hex",
    "palette_colour",
    "parse_colour",
]
