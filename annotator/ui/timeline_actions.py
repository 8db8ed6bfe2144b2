"""The timeline's window-wide commands: ten-frame steps, go to frame, the active object's
previous/next keyframe, play/pause at the video's fps (dropping frames rather than lagging),
in/out markers, absence (mark and clear), review flags, and resuming a cancelled run.

`install_timeline(window)` adds them to the window's action registry and connects the
timeline of each document (lane clicks select the object; the active lane is highlighted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QInputDialog

from annotator.domain.absence import MarkAbsent, MarkPresent
from annotator.service.review import next_flagged
from annotator.ui.actions import ActionSpec

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

PLAY_TICK_MS = 10  # the playback clock's resolution; frames shown follow the wall clock


class Playback(QObject):
    """Plays from the current frame at `fps`: each tick shows the frame the wall clock has
    reached, so a slow frame is skipped instead of slowing the video down."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._origin = (0.0, 0)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def toggle(self) -> None:
        if self.playing:
            self.stop()
            return
        window = self.window
        if window.current_frame >= window.controller.view.num_frames - 1:
            window.show_frame(0)  # at the end: play from the start, as players do
        self._origin = (time.perf_counter(), window.current_frame)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        window = self.window
        fps = window.project.video(window.controller.video_id).fps or 25.0
        began, first = self._origin
        frame = first + int((time.perf_counter() - began) * fps)
        last = window.controller.view.num_frames - 1
        window.show_frame(min(frame, last))
        if frame >= last:
            self.stop()


def timeline_actions(window: MainWindow, playback: Playback) -> list[ActionSpec]:
    """ActionSpecs of the module docstring, bound to `window`'s current document."""

    def step(delta: int) -> None:
        window.show_frame(window.current_frame + delta)

    def active() -> bool:
        return window.controller.active_track is not None

    def spec(
        name: str,
        text: str,
        slot: Callable[[], object],
        keys: tuple[str, ...],
        tip: str,
        menu: str = "View",
        enabled_when: Callable[[], bool] | None = None,
    ) -> ActionSpec:
        return ActionSpec(name, text, slot, keys, tip, menu, enabled_when, section="Timeline")

    return [
        spec("back_ten", "Back 10 frames", lambda: step(-10), ("Shift+Left",), "Ten frames back"),
        spec("ahead_ten", "Ahead 10 frames", lambda: step(10), ("Shift+Right",), "Ten frames on"),
        spec(
            "go_to_frame",
            "Go to frame…",
            lambda: go_to_frame(window),
            ("Ctrl+G",),
            "Jump to a frame number",
        ),
        spec(
            "previous_keyframe",
            "Previous keyframe",
            lambda: keyframe(window, -1),
            ("Ctrl+Left",),
            "The active object's previous keyframe",
            enabled_when=active,
        ),
        spec(
            "next_keyframe",
            "Next keyframe",
            lambda: keyframe(window, 1),
            ("Ctrl+Right",),
            "The active object's next keyframe",
            enabled_when=active,
        ),
        spec(
            "play_pause",
            "Play / pause",
            playback.toggle,
            ("Space",),
            "Play at the video's frame rate (frames are dropped rather than lagging)",
        ),
        spec(
            "mark_in",
            "Set in marker",
            lambda: window.timeline.mark_in(window.current_frame),
            ("I",),
            "Start the range here (propagation stops at its ends)",
        ),
        spec(
            "mark_out",
            "Set out marker",
            lambda: window.timeline.mark_out(window.current_frame),
            ("O",),
            "End the range here",
        ),
        spec(
            "clear_range",
            "Clear range",
            lambda: window.timeline.set_in_out(None),
            ("Alt+I",),
            "Remove the in/out markers",
        ),
        spec(
            "mark_absent",
            "Mark absent here",
            lambda: absence(window, False, True),
            ("U",),
            "The active object is not on this frame: its mask goes and tracking keeps it empty",
            menu="Track",
            enabled_when=active,
        ),
        spec(
            "mark_absent_range",
            "Mark absent in range",
            lambda: absence(window, True, True),
            ("Shift+U",),
            "The active object is not in the in/out range",
            menu="Track",
            enabled_when=active,
        ),
        spec(
            "clear_absent",
            "Not absent here",
            lambda: absence(window, False, False),
            ("Alt+U",),
            "Tracking may fill this frame again",
            menu="Track",
            enabled_when=active,
        ),
        spec(
            "keep_tracked",
            "Keep tracked mask",
            lambda: window.controller.editing.keep_tracked(),
            ("K",),
            "The active object's tracked mask on this frame is right: make it yours (kept by "
            "later runs, tracked from, no longer flagged)",
            menu="Track",
            enabled_when=active,
        ),
        spec(
            "next_flag",
            "Next review flag",
            lambda: flag(window, 1),
            ("F",),
            "The next frame where the active object's score drops or area jumps",
            enabled_when=active,
        ),
        spec(
            "previous_flag",
            "Previous review flag",
            lambda: flag(window, -1),
            ("Shift+F",),
            "The previous flagged frame",
            enabled_when=active,
        ),
        spec(
            "resume_propagation",
            "Resume propagation",
            lambda: window.propagation.resume(),
            ("Shift+R",),
            "Continue a cancelled run from where it stopped",
            menu="Track",
            enabled_when=lambda: window.propagation.can_resume,
        ),
    ]


def go_to_frame(window: MainWindow) -> None:
    last = window.controller.view.num_frames - 1
    frame, ok = QInputDialog.getInt(
        window, "Go to frame", f"Frame (0–{last}):", window.current_frame, 0, last
    )
    if ok:
        window.show_frame(frame)


def keyframe(window: MainWindow, step: int) -> None:
    ctl = window.controller
    track = ctl.active_track
    if track is None:
        return
    frames = np.asarray(ctl.project.keyframes(ctl.video_id, track), dtype=np.int64)
    hits = np.zeros(ctl.view.num_frames, bool)
    hits[frames] = True
    target = next_flagged(hits, window.current_frame, step)
    if target is None:
        window.statusBar().showMessage("No keyframe of the active object that way", 3000)
    else:
        window.show_frame(target)


def flag(window: MainWindow, step: int) -> None:
    ctl = window.controller
    track = ctl.active_track
    if track is None:
        return
    target = next_flagged(ctl.lanes.flags(track), window.current_frame, step)
    if target is None:
        window.statusBar().showMessage("No flagged frame of the active object that way", 3000)
    else:
        window.show_frame(target)


def absence(window: MainWindow, in_range: bool, absent: bool) -> None:
    """Mark (or clear) the active object's absence on this frame or the in/out range."""
    ctl = window.controller
    track = ctl.active_track
    if track is None:
        return
    first = last = window.current_frame
    if in_range:
        if window.timeline.in_out is None:
            window.statusBar().showMessage("Set an in/out range first (I and O)", 3000)
            return
        first, last = window.timeline.in_out
    kind = MarkAbsent if absent else MarkPresent
    command = ctl.execute(kind(ctl.video_id, track, first, last))
    if command is None:
        return  # refused: the controller said why
    if command.delta is not None:
        ctl.sync.note_change(command.delta.masks, [])  # removed keyframes leave the engine too
    window.statusBar().showMessage(
        absence_message(ctl.project.track(track).name, first, last, absent)
    )


def absence_message(name: str, first: int, last: int, absent: bool) -> str:
    """What the status bar says after U / Shift+U / Alt+U: 'person marked absent on frame 3
    (tracking leaves it empty there)'."""
    where = f"frame {first}" if first == last else f"frames {first}–{last}"
    if absent:
        return f"{name} marked absent on {where} (tracking leaves it empty there)"
    return f"{name} no longer marked absent on {where} (tracking may fill it again)"


def install_timeline(window: MainWindow) -> Playback:
    """Register the actions (once per window) and connect the current document's timeline;
    call `connect_timeline(window)` again after a document swap."""
    playback = Playback(window)
    window.add_cleanup(playback.stop)
    if "overlay_outline" in window.registry and "O" in window.registry.keys_of("overlay_outline"):
        window.registry.rebind("overlay_outline", ["Alt+O"])  # O is the out marker (#16)
    window.registry.add_all(timeline_actions(window, playback))
    window.canvas.space.tapped.connect(lambda: space_tapped(window))
    window.view.subscribe(
        lambda change: window.timeline.set_active(change.new),  # type: ignore[arg-type]
        "active_track",
    )
    connect_timeline(window)
    return playback


def space_tapped(window: MainWindow) -> None:
    """Space over the canvas pans while held; a tap there does what Space is bound to (play /
    pause unless the user rebound it)."""
    registry = window.registry
    for spec in registry.specs:
        if "Space" in registry.keys_of(spec.name):
            registry[spec.name].trigger()
            return


def connect_timeline(window: MainWindow) -> None:
    """Lane clicks select their object; the active object's lane is highlighted."""
    ctl, timeline = window.controller, window.timeline
    timeline.fps = window.project.video(ctl.video_id).fps or 25.0
    timeline.objectSelected.connect(ctl.set_active)
    timeline.set_active(ctl.active_track)
