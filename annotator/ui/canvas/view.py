"""The annotation canvas widget: the frame under a zoom/pan viewport, object masks painted
at screen resolution, the active prompt, and the active tool.

Input goes to the active tool first (see `tools/`), except Ctrl+click, which picks the
object drawn there; the wheel zooms at the cursor, the middle button or Space+drag pans
(space_hold.py); the window binds + - 0 1 to zoom_at_cursor, fit and 1:1.
Everything reported is in frame pixels. Only the visible part of the frame and the masks is
drawn, so 4K frames stay smooth at any zoom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QCursor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from annotator.domain import Colour, Prompt
from annotator.domain.mask_edit import MaskEdit
from annotator.ui.canvas.layers import OverlayOptions
from annotator.ui.canvas.mask_display import MaskDisplay
from annotator.ui.canvas.space_hold import SpaceHold
from annotator.ui.canvas.tools import BrushTool, PanTool, Pointer, PolygonTool, PromptTool, Tool
from annotator.ui.canvas.viewport import ZOOM_STEP, PixelRect, Viewport
from annotator.ui.frame_view import FrameView, array_to_qimage

PICK_MODIFIER = Qt.KeyboardModifier.ControlModifier  # with a left click: pick the object there
NO_OBJECT_TO_EDIT = "Select or add an object first: brush, eraser and polygon edit its mask"


class AnnotationCanvas(FrameView):
    """See the module docstring. The window feeds it with set_frame, set_masks (or the older
    set_overlay), set_prompt and set_candidates, and listens to the signals below."""

    pointClicked = Signal(float, float, bool)  # x, y in frame pixels, positive
    boxDrawn = Signal(float, float, float, float)  # x0, y0, x1, y1 in frame pixels
    pointRemoved = Signal(int)  # index into the active prompt's points
    pointMoved = Signal(int, float, float)  # index, new x, y
    boxAdjusted = Signal(float, float, float, float)  # the active prompt's box, adjusted
    candidatesRequested = Signal()  # Tab after a single click: call set_candidates
    candidateChosen = Signal(int)  # index of the candidate mask kept (Enter)
    maskEdited = Signal(object)  # a MaskEdit of the active object's mask on the shown frame
    editRefused = Signal(str)  # why an edit could not start
    cursorMoved = Signal(object)  # (x, y) image pixel under the cursor, or None
    objectPicked = Signal(object)  # Ctrl+click: the track id drawn there, or None
    toolChanged = Signal(str)
    zoomChanged = Signal(float)  # widget pixels per frame pixel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport = Viewport()
        self.masks = MaskDisplay()
        self.brush_radius = 8.0
        self._shown: QImage | None = None  # the frame in the format painted fastest
        self._scaled: tuple[float, QImage] | None = None  # _shown zoomed out (see _frame_at)
        self._overlay: QImage | None = None  # older path: one frame-size RGBA overlay
        self._prompt: Prompt | None = None
        self._prompt_colour: Colour = (255, 255, 255)
        self.space = SpaceHold(self, self._space_held)
        self._panning: PanTool | None = None
        self._tools: dict[str, Tool] = {
            "prompt": PromptTool(self),
            "brush": BrushTool(self),
            "eraser": BrushTool(self, erase=True),
            "polygon": PolygonTool(self),
            "pan": PanTool(self),
        }
        self._tool: Tool = self._tools["prompt"]
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(self._tool.cursor)

    # --- state from the window ---------------------------------------------------------
    @property
    def has_overlay(self) -> bool:
        return self._overlay is not None or bool(self.masks.layers)

    @property
    def prompt(self) -> Prompt | None:
        return self._prompt

    @property
    def tool(self) -> str:
        return self._tool.name

    def set_tool(self, name: str) -> None:
        """Make a tool active: "prompt", "brush", "eraser", "polygon" or "pan"."""
        if name not in self._tools:
            raise ValueError(f"no canvas tool {name!r}; tools: {', '.join(self._tools)}")
        if self._tools[name] is self._tool:
            return
        self._tool.cancel()
        self._tool = self._tools[name]
        self.restore_cursor()
        self.update()
        self.toolChanged.emit(name)

    def set_frame_size(self, width: int, height: int) -> None:
        super().set_frame_size(width, height)
        self.viewport.set_image_size(width, height)
        self._invalidate()

    def set_frame(self, frame: np.ndarray) -> None:
        super().set_frame(frame)
        assert self.image is not None  # drawn in the screen's format: no conversion a paint
        self._shown = self.image.convertToFormat(QImage.Format.Format_RGB32)
        self._scaled = None
        size = self.frame_size
        if size is not None:
            self.viewport.set_image_size(*size)
        self._invalidate()

    def set_overlay(self, rgba: np.ndarray | None) -> None:
        """Show an RGBA (H, W, 4) mask overlay at frame size (None: none); set_masks draws
        sharper masks at any zoom."""
        self._overlay = None if rgba is None else array_to_qimage(rgba)
        self.update()

    def set_masks(
        self, masks: Sequence[tuple[int, np.ndarray, Colour]], active_track: int | None
    ) -> None:
        """The frame's masks as (track id, bool (H, W), colour), bottom first, and the
        active object (its outline is thicker; brush, eraser and polygon edit it)."""
        self.masks.set_masks(masks, active_track)
        self._invalidate()

    def set_active_object(self, track_id: int | None, colour: Colour = (255, 255, 255)) -> None:
        """The object that edits change, with its colour (it may have no mask here yet)."""
        self.masks.active_track, self.masks.active_colour = track_id, colour
        self._invalidate()

    def set_overlay_options(self, options: OverlayOptions) -> None:
        """Opacity, outline only, only the active object."""
        self.masks.options = options
        self._invalidate()

    def set_prompt(self, prompt: Prompt | None, colour: Colour = (255, 255, 255)) -> None:
        """Draw the active object's clicks and box on this frame (None: nothing)."""
        self._prompt, self._prompt_colour = prompt, colour
        self.update()

    def set_candidates(self, masks: Sequence[np.ndarray] | None, index: int = 0) -> None:
        """The model's candidate masks for the active object (Tab cycles, Enter keeps one);
        None or fewer than two: nothing to choose."""
        self.masks.candidates = list(masks or [])
        self.masks.candidate = index if self.masks.candidates else 0
        self._invalidate()

    @property
    def candidate_count(self) -> int:
        return len(self.masks.candidates)

    @property
    def candidate_index(self) -> int:
        return self.masks.candidate

    def show_candidate(self, index: int) -> None:
        """Show candidate `index` in place of the active mask."""
        self.masks.candidate = index
        self._invalidate()

    def set_brush_radius(self, radius: float) -> None:
        """The brush and eraser radius in frame pixels."""
        self.brush_radius = float(radius)
        self.update()

    # --- zoom and pan ------------------------------------------------------------------
    def zoom_at(self, factor: float, widget_pos: QPointF | None = None) -> None:
        """Zoom by `factor` keeping the frame point under `widget_pos` (default: the centre)."""
        pos = widget_pos if widget_pos is not None else QPointF(self.width() / 2, self.height() / 2)
        self.viewport.zoom_at(factor, (pos.x(), pos.y()))
        self._view_changed()

    def zoom_at_cursor(self, factor: float) -> None:
        """Zoom at the mouse cursor when it is over the canvas, else at the centre (keys)."""
        pos = self.mapFromGlobal(QCursor.pos())
        self.zoom_at(factor, QPointF(pos) if self.rect().contains(pos) else None)

    def fit(self) -> None:
        self.viewport.fit()
        self._view_changed()

    def one_to_one(self) -> None:
        self.viewport.one_to_one()
        self._view_changed()

    def pan_by(self, dx: float, dy: float) -> None:
        self.viewport.pan(dx, dy)
        self._view_changed()

    def _view_changed(self) -> None:
        self.update()  # the mask image follows the viewport itself (a pan shifts it)
        self.zoomChanged.emit(self.viewport.scale)

    # --- coordinates (the older API, kept for the window) -------------------------------
    def image_rect(self) -> QRectF:
        """Where the whole frame is drawn in widget coordinates."""
        if self.image is None or not self.viewport.has_image:
            return QRectF()
        return QRectF(*self.viewport.image_rect_in_widget())

    def widget_to_frame(self, pos: QPointF) -> tuple[float, float] | None:
        """Frame pixel coordinates of a widget position, or None outside the image."""
        point = self.viewport.widget_to_image((pos.x(), pos.y()))
        if self.image is None or not self.viewport.contains_image_point(point):
            return None
        return point

    def frame_to_widget(self, x: float, y: float) -> QPointF:
        """Widget position of a frame pixel coordinate."""
        return QPointF(*self.viewport.image_to_widget((x, y)))

    # --- mask edits (called by the brush, eraser and polygon tools) ----------------------
    @property
    def working_mask(self) -> np.ndarray | None:
        """The active mask being edited in place (None outside an edit)."""
        return None if self.masks.working is None else self.masks.working.mask

    def begin_mask_edit(self) -> bool:
        """Start editing the active object's mask; False (and editRefused) without one."""
        if self.frame_size is None or not self.masks.begin_edit(self.frame_size):
            self.editRefused.emit(NO_OBJECT_TO_EDIT)
            return False
        return True

    def mask_changed(self, dirty: PixelRect) -> None:
        """The working mask changed inside frame pixels `dirty`: repaint only there."""
        clip = self.masks.edit_changed(dirty, self.viewport)
        if clip is None:
            self.update()
        else:
            self.update(clip.x0, clip.y0, clip.width, clip.height)

    def finish_mask_edit(self, edit: MaskEdit) -> None:
        """The edit is complete: report it (the preview stays until set_masks)."""
        self.maskEdited.emit(edit)

    def cancel_mask_edit(self) -> None:
        self.masks.working = None
        self._invalidate()

    # --- events ------------------------------------------------------------------------
    def _pointer(self, event: QMouseEvent | QWheelEvent, button: Qt.MouseButton) -> Pointer:
        pos = event.position()
        return Pointer(
            (pos.x(), pos.y()),
            self.viewport.widget_to_image((pos.x(), pos.y())),
            button,
            event.buttons(),
            event.modifiers(),
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        pointer = self._pointer(event, event.button())
        if self.image is None:
            return
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (self.space.held and event.button() == Qt.MouseButton.LeftButton):
            self.space.panned = self.space.held  # a hold that panned is no tap
            self._panning = self._tools["pan"]  # type: ignore[assignment]
            self._panning.press(pointer)  # type: ignore[union-attr]
            return
        if event.button() == Qt.MouseButton.LeftButton and pointer.modifiers & PICK_MODIFIER:
            if self.viewport.contains_image_point(pointer.image):
                self.objectPicked.emit(self.masks.track_at(*pointer.image))
            return
        self._tool.press(pointer)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        pointer = self._pointer(event, Qt.MouseButton.NoButton)
        self.space.pointer_inside = True
        x, y = pointer.image
        inside = self.image is not None and self.viewport.contains_image_point(pointer.image)
        self.cursorMoved.emit((int(x), int(y)) if inside else None)
        if self._panning is not None:
            self._panning.move(pointer)
        else:
            self._tool.move(pointer)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        pointer = self._pointer(event, event.button())
        if self._panning is not None:
            self._panning.release(pointer)
            self._panning = None
            return
        self._tool.release(pointer)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        if isinstance(self._tool, PolygonTool):
            self._tool.double_click(self._pointer(event, event.button()))
        else:
            self.mousePressEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        self.cursorMoved.emit(None)
        self.space.pointer_inside = False
        if isinstance(self._tool, BrushTool):
            self._tool.leave()
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt naming)
        notches = event.angleDelta().y() / 120
        if notches:
            self.zoom_at(ZOOM_STEP**notches, event.position())
        event.accept()

    def event(self, event: QEvent) -> bool:
        # keys the active tool wants beat the window's shortcuts and Tab's focus change
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if self._tool.wants_key(key_event.key(), key_event.modifiers()):
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()
                    return True
                self.keyPressEvent(key_event)
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        if not self._tool.key(event.key(), event.modifiers()):
            super().keyPressEvent(event)

    def _space_held(self, held: bool) -> None:
        if held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.restore_cursor()

    def restore_cursor(self) -> None:
        """The active tool's cursor (after a pan)."""
        self.setCursor(self._tool.cursor)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt naming)
        self.viewport.set_widget_size(self.width(), self.height())
        self._invalidate()
        super().resizeEvent(event)

    # --- painting ----------------------------------------------------------------------
    def _invalidate(self) -> None:
        self.masks.invalidate()
        self.update()

    def _frame_at(self, ratio: float) -> QImage:
        """The shown frame for `ratio` widget pixels per frame-image pixel: below 1 a copy
        scaled down once (smoothly) and kept while the zoom stays, so a pan of a 4K frame
        only copies pixels."""
        assert self._shown is not None
        if ratio >= 1.0:
            return self._shown
        if self._scaled is None or self._scaled[0] != ratio:
            w = max(1, round(self._shown.width() * ratio))
            h = max(1, round(self._shown.height() * ratio))
            mode = Qt.TransformationMode.SmoothTransformation
            scaled = self._shown.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, mode)
            self._scaled = (ratio, scaled)
        return self._scaled[1]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        exposed = event.rect()
        painter.fillRect(exposed, Qt.GlobalColor.black)
        view, size, image = self.viewport, self.frame_size, self._shown
        self.viewport.set_widget_size(self.width(), self.height())
        # only the frame pixels under the exposed widget pixels are drawn
        (x0, y0) = view.widget_to_image((exposed.left(), exposed.top()))
        (x1, y1) = view.widget_to_image((exposed.right() + 1, exposed.bottom() + 1))
        visible = view.visible_image_rect()
        part = PixelRect(
            max(visible.x0, math.floor(x0)), max(visible.y0, math.floor(y0)),
            min(visible.x1, math.ceil(x1)), min(visible.y1, math.ceil(y1)),
        )  # fmt: skip
        if image is not None and size is not None and not part.is_empty:
            target = QRectF(
                QPointF(*view.image_to_widget((part.x0, part.y0))),
                QPointF(*view.image_to_widget((part.x1, part.y1))),
            )
            image = self._frame_at(view.scale * size[0] / image.width())
            sx, sy = image.width() / size[0], image.height() / size[1]
            source = QRectF(part.x0 * sx, part.y0 * sy, part.width * sx, part.height * sy)
            smooth = view.scale < 2.0  # zoomed in, every frame pixel shows as a square
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawImage(target, image, source)
            masks = self.masks.image(self.viewport)
            if masks is not None:
                painter.drawImage(exposed.topLeft(), masks, exposed)
            elif self._overlay is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                overlay_part = QRectF(part.x0, part.y0, part.width, part.height)
                painter.drawImage(target, self._overlay, overlay_part)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._prompt is not None:  # shown whatever the tool; the prompt tool drags it
            prompt_tool: PromptTool = self._tools["prompt"]  # type: ignore[assignment]
            prompt_tool.paint_prompt(painter, self._prompt, self._prompt_colour)
        self._tool.paint(painter)
        painter.end()
