"""The canvas's tools and mask operations as plain specs (name, label, keys, what it does),
for the window's action registry to turn into actions, menu entries and toolbar buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from annotator.domain.mask_edit import (
    FillHoles,
    GrowMask,
    KeepLargestPart,
    MaskEdit,
    RemoveSmallParts,
    ShrinkMask,
)

SMALL_PART_PX = 64  # "remove small parts" drops parts under this many pixels


@dataclass(frozen=True)
class ToolSpec:
    """A canvas tool: `name` for AnnotationCanvas.set_tool, its label, key and tooltip."""

    name: str
    label: str
    shortcut: str
    tip: str


@dataclass(frozen=True)
class OperationSpec:
    """A whole-mask operation on the active object's mask on the shown frame."""

    name: str
    label: str
    shortcut: str
    make: Callable[[], MaskEdit]


TOOLS = (
    ToolSpec("prompt", "Prompt", "V", "Click: point (right: negative), drag: box; "
             "click a point to remove it, drag points and box handles; Tab: candidates"),
    ToolSpec("brush", "Brush", "B", "Paint the active object's mask ([ and ]: size)"),
    ToolSpec("eraser", "Eraser", "X", "Erase from the active object's mask ([ and ]: size)"),
    ToolSpec("polygon", "Polygon", "L", "Click vertices, close on the first one or Enter to add "
             "(Shift: subtract); Backspace: drop a vertex, Esc: cancel"),
    ToolSpec("pan", "Pan", "H", "Drag the image (also: middle drag or Space+drag anywhere)"),
)  # fmt: skip

OPERATIONS = (
    OperationSpec("fill_holes", "Fill holes", "Ctrl+Shift+H", FillHoles),
    OperationSpec("keep_largest", "Keep largest part", "Ctrl+Shift+L", KeepLargestPart),
    OperationSpec(
        "remove_small",
        f"Remove parts < {SMALL_PART_PX} px",
        "Ctrl+Shift+R",
        lambda: RemoveSmallParts(SMALL_PART_PX),
    ),
    OperationSpec("grow", "Grow 1 px", "Ctrl+Shift+=", GrowMask),
    OperationSpec("shrink", "Shrink 1 px", "Ctrl+Shift+-", ShrinkMask),
)
