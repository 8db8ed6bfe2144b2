"""The canvas's commands in the window: tool choice (a toolbar and the Edit menu), the mask
operations on the active object, zoom (View menu), overlay options, and the cursor's frame
pixel (and the object drawn there) in the status bar. Built from `canvas.commands` (tools,
operations) as ActionSpecs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QLabel, QToolBar

from annotator.ui.actions import ActionSpec
from annotator.ui.canvas import AnnotationCanvas
from annotator.ui.canvas.commands import OPERATIONS, TOOLS
from annotator.ui.canvas.viewport import ZOOM_STEP

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

OPACITY_STEP = 0.15


@dataclass(frozen=True)
class CanvasTools:
    """What install_canvas_tools added to the window."""

    toolbar: QToolBar
    position: QLabel  # the frame pixel under the cursor, in the status bar


def _tool(canvas: AnnotationCanvas, name: str) -> Callable[[], None]:
    return lambda: canvas.set_tool(name)


def _operation(window: MainWindow, name: str) -> Callable[[], None]:
    def run() -> None:
        window.controller.editing.apply_operation(name)

    return run


def _toggle_outline(canvas: AnnotationCanvas) -> None:
    options = canvas.masks.options
    canvas.set_overlay_options(replace(options, outline_only=not options.outline_only))


def _toggle_only_active(canvas: AnnotationCanvas) -> None:
    options = canvas.masks.options
    canvas.set_overlay_options(replace(options, only_active=not options.only_active))


def set_colour_by_category(window: MainWindow, on: bool) -> None:
    """Masks and lanes in their category's colour (else each object's own), remembered."""
    window.view.set_colour_by_category(on)
    window.registry["overlay_by_category"].setChecked(on)
    window.settings.save_colour_by_category(on)


def set_mask_opacity(window: MainWindow, opacity: float) -> None:
    """The masks' fill opacity (0..1), remembered for the next start."""
    value = round(min(1.0, max(0.0, opacity)), 3)
    window.canvas.set_overlay_options(replace(window.canvas.masks.options, opacity=value))
    window.settings.save_overlay_opacity(value)


def _opacity(window: MainWindow, step: float) -> None:
    set_mask_opacity(window, window.canvas.masks.options.opacity + step)


def canvas_actions(window: MainWindow) -> list[ActionSpec]:
    """Tools, mask operations, zoom and overlay options as ActionSpecs."""
    canvas = window.canvas

    def has_object() -> bool:
        return window.controller.active_track is not None

    specs = [
        ActionSpec(f"tool_{t.name}", t.label, _tool(canvas, t.name), (t.shortcut,), t.tip,
                   "Edit", checkable=True, section="Tools")
        for t in TOOLS
    ]  # fmt: skip
    specs += [
        ActionSpec(f"mask_{op.name}", op.label, _operation(window, op.name), (op.shortcut,),
                   f"{op.label} in the active object's mask on this frame (undoable)", "Edit",
                   has_object, section="Mask")
        for op in OPERATIONS
    ]  # fmt: skip
    specs += [
        ActionSpec("zoom_in", "Zoom in", lambda: canvas.zoom_at_cursor(ZOOM_STEP), ("+", "="),
                   "Zoom in at the cursor (the wheel too)", "View", section="View"),
        ActionSpec("zoom_out", "Zoom out", lambda: canvas.zoom_at_cursor(1 / ZOOM_STEP),
                   ("-",), "Zoom out at the cursor", "View", section="View"),
        ActionSpec("zoom_fit", "Fit to window", canvas.fit, ("0",), "Show the whole frame",
                   "View", section="View"),
        ActionSpec("zoom_one", "Actual pixels (1:1)", canvas.one_to_one, ("Ctrl+1",),
                   "One frame pixel per screen pixel", "View", section="View"),
        ActionSpec("overlay_outline", "Outlines only", lambda: _toggle_outline(canvas),
                   ("O",), "Draw masks as outlines (the frame shows through)", "View",
                   checkable=True, section="View"),
        ActionSpec("overlay_active", "Only the active object",
                   lambda: _toggle_only_active(canvas), ("Shift+O",),
                   "Hide the other objects' masks", "View", checkable=True, section="View"),
        ActionSpec("overlay_by_category", "Colour by category",
                   lambda: set_colour_by_category(window, not window.view.colour_by_category),
                   ("Alt+C",), "Draw every object in its category's colour (off: each object "
                   "in its own)", "View", checkable=True, section="View"),
        ActionSpec("overlay_fainter", "Fainter masks", lambda: _opacity(window, -OPACITY_STEP),
                   ("Ctrl+[",), "Lower the masks' opacity", "View", section="View"),
        ActionSpec("overlay_stronger", "Stronger masks",
                   lambda: _opacity(window, OPACITY_STEP), ("Ctrl+]",),
                   "Raise the masks' opacity", "View", section="View"),
    ]  # fmt: skip
    return specs


def install_canvas_tools(window: MainWindow) -> CanvasTools:
    """Register the canvas actions, a toolbar of the tools (the active one checked), and the
    cursor's frame pixel in the status bar."""
    registry, canvas = window.registry, window.canvas
    registry.add_all(canvas_actions(window))
    group = QActionGroup(window)
    toolbar = window.addToolBar("Tools")
    toolbar.setObjectName("tools")
    for t in TOOLS:
        action = registry[f"tool_{t.name}"]
        group.addAction(action)
        toolbar.addAction(action)
    registry[f"tool_{canvas.tool}"].setChecked(True)
    canvas.toolChanged.connect(lambda name: registry[f"tool_{name}"].setChecked(True))
    position = QLabel()
    position.setMinimumWidth(120)
    position.setToolTip(
        "The frame pixel under the cursor (x, y) and the object drawn there (Ctrl+click makes "
        "it the active one)"
    )
    window.statusBar().addPermanentWidget(position)
    canvas.cursorMoved.connect(lambda xy: position.setText(_position_text(window, xy)))
    return CanvasTools(toolbar, position)


def _position_text(window: MainWindow, xy: tuple[int, int] | None) -> str:
    """The cursor's text: "x 12  y 40", then the object drawn at that pixel, if any."""
    if xy is None:
        return ""
    text = f"x {xy[0]}  y {xy[1]}"
    track = window.canvas.masks.track_at(*xy)
    return text if track is None else f"{text}  \u00b7  {window.controller.objects.label(track)}"
