"""The annotation window's own commands as ActionSpecs (Edit, navigation, propagation).
Keys are window-wide: they work whatever widget has focus. Other parts add theirs to the
same registry (`window.registry.add(ActionSpec(...))`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.service import Direction
from annotator.ui.actions import ActionSpec

if TYPE_CHECKING:
    from annotator.ui.annotation_controller import AnnotationController
    from annotator.ui.main_window import MainWindow


def edit_actions(window: MainWindow) -> list[ActionSpec]:
    """Undo/redo (labelled with what they take back), objects and the click mode."""

    def ctl() -> (
        AnnotationController
    ):  # the controller of the document shown now (documents can be swapped)
        return window.controller

    return [
        ActionSpec(
            "undo",
            "Undo",
            lambda: ctl().undo(),
            ("Ctrl+Z",),
            "Take back the last step",
            "Edit",
            lambda: window.controller.history.can_undo,
            section="Edit",
        ),
        ActionSpec(
            "redo",
            "Redo",
            lambda: ctl().redo(),
            ("Ctrl+Shift+Z", "Ctrl+Y"),
            "Do the undone step again",
            "Edit",
            lambda: window.controller.history.can_redo,
            section="Edit",
        ),
        ActionSpec(
            "new_object",
            "New object",
            lambda: ctl().add_object(),
            ("N",),
            "Start a new object: the next click prompts it",
            "Edit",
            section="Objects",
        ),
        ActionSpec(
            "delete_object",
            "Delete object",
            lambda: _delete_active(window),
            ("Del",),
            "Delete the active object and its masks (undoable)",
            "Edit",
            lambda: window.controller.active_track is not None,
            section="Objects",
        ),
        ActionSpec(
            "clear_frame",
            "Clear object on this frame",
            lambda: ctl().clear_frame(),
            ("Backspace",),
            "Remove the active object's mask and clicks on this frame",
            "Edit",
            lambda: window.controller.active_track is not None,
            section="Objects",
        ),
        ActionSpec(
            "positive_clicks",
            "Positive clicks",
            lambda: ctl().view.set_positive_clicks(True),
            ("Q",),
            "A left click adds to the object (right click: background)",
            "Edit",
            section="Prompts",
        ),
        ActionSpec(
            "negative_clicks",
            "Negative clicks",
            lambda: ctl().view.set_positive_clicks(False),
            ("E",),
            "A left click marks background (right click: object)",
            "Edit",
            section="Prompts",
        ),
        ActionSpec(
            "save",
            "Save",
            lambda: window.statusBar().showMessage(
                "Saved: every change is written to the project as you make it", 4000
            ),
            ("Ctrl+S",),
            "Every change is saved as it is made",
            "File",
            section="File",
        ),
    ]


def _delete_active(window: MainWindow) -> None:
    track = window.controller.active_track
    if track is not None:
        window.controller.remove_object(track)


def navigation_actions(window: MainWindow) -> list[ActionSpec]:
    """Frame steps (A/D, arrows, comma/period) and the first/last frame; on a photo they go
    through the project's photos instead."""

    def step(delta: int) -> None:
        if not window.file_menu.step_photo(delta):
            window.show_frame(window.current_frame + delta)

    def to_end(last: bool) -> None:
        if not window.file_menu.step_photo(len(window.project.videos) * (1 if last else -1)):
            window.show_frame(window.controller.view.num_frames - 1 if last else 0)

    return [
        ActionSpec(
            "next_frame",
            "Next frame",
            lambda: step(1),
            ("D", "Right", "."),
            "Show the next frame (the next photo in a photo project)",
            "View",
            section="Frames",
        ),
        ActionSpec(
            "previous_frame",
            "Previous frame",
            lambda: step(-1),
            ("A", "Left", ","),
            "Show the previous frame (the previous photo in a photo project)",
            "View",
            section="Frames",
        ),
        ActionSpec(
            "first_frame",
            "First frame",
            lambda: to_end(last=False),
            ("Home",),
            "Show the first frame (or photo)",
            "View",
            section="Frames",
        ),
        ActionSpec(
            "last_frame",
            "Last frame",
            lambda: to_end(last=True),
            ("End",),
            "Show the last frame (or photo)",
            "View",
            section="Frames",
        ),
    ]


def propagation_actions(window: MainWindow) -> list[ActionSpec]:
    """Propagate forward, backward, both ways, and cancel."""

    def ready() -> bool:
        return window.controller.engine_ready and not window.propagation.running

    def run(direction: Direction) -> None:
        window.propagation.propagate(direction)

    return [
        ActionSpec(
            "propagate_forward",
            "Propagate forward",
            lambda: run(Direction.FORWARD),
            ("P",),
            "Track forward from this frame to the run end (each object from its own keyframes)",
            "Track",
            ready,
            section="Tracking",
        ),
        ActionSpec(
            "propagate_backward",
            "Propagate backward",
            lambda: run(Direction.BACKWARD),
            ("Shift+B",),
            "Track backward from this frame to the run end (each object from its own keyframes)",
            "Track",
            ready,
            section="Tracking",
        ),
        ActionSpec(
            "propagate_both",
            "Propagate both ways",
            lambda: run(Direction.BOTH),
            ("Shift+P",),
            "Track both ways from this frame to the run end (each object from its own keyframes)",
            "Track",
            ready,
            section="Tracking",
        ),
        ActionSpec(
            "cancel_propagation",
            "Cancel propagation",
            lambda: window.propagation.cancel(),
            ("Esc",),
            "Stop; every frame tracked so far is kept",
            "Track",
            lambda: window.propagation.running,
            section="Tracking",
        ),
    ]


def object_actions(window: MainWindow) -> list[ActionSpec]:
    """Step through the objects (Up/Down); rename, lock, hide, merge the active object; keys
    1-9 give it the n-th category."""

    def active() -> bool:
        return window.controller.active_track is not None

    def toggle(flag: str) -> None:
        ctl = window.controller
        track = ctl.active_track
        if track is None or not ctl.project.has_track(track):
            return
        current = ctl.project.track(track)
        if flag == "locked":
            ctl.objects.set_locked(track, not current.locked)
        else:
            ctl.objects.set_visible(track, current.hidden)

    def category_key(digit: int) -> None:
        if window.controller.categories is not None:
            window.controller.categories.key(digit)

    specs = [
        ActionSpec(
            "next_object",
            "Next object",
            lambda: window.controller.objects.step(1),
            ("Down",),
            "Make the object below the active one in the list active (the filter's rows only)",
            "Edit",
            section="Objects",
        ),
        ActionSpec(
            "previous_object",
            "Previous object",
            lambda: window.controller.objects.step(-1),
            ("Up",),
            "Make the object above the active one in the list active",
            "Edit",
            section="Objects",
        ),
        ActionSpec(
            "rename_object",
            "Rename object…",
            lambda: window.controller.objects.rename(),
            ("F2",),
            "Rename the active object (or double-click it)",
            "Edit",
            active,
            section="Objects",
        ),
        ActionSpec(
            "lock_object",
            "Lock / unlock object",
            lambda: toggle("locked"),
            ("Ctrl+L",),
            "A locked object's masks are not changed by clicks",
            "Edit",
            active,
            section="Objects",
        ),
        ActionSpec(
            "hide_object",
            "Hide / show object",
            lambda: toggle("hidden"),
            ("Ctrl+H",),
            "Hide the active object's masks (a hidden object takes no clicks)",
            "Edit",
            active,
            section="Objects",
        ),
        ActionSpec(
            "merge_object",
            "Merge object into…",
            lambda: window.objects.merge_active(),
            (),
            "Move the active object's masks to another object and delete it (undoable)",
            "Edit",
            lambda: active() and len(window.objects.track_ids()) > 1,
            section="Objects",
        ),
        ActionSpec(
            "add_category",
            "New category",
            lambda: window.controller.categories.add() if window.controller.categories else None,
            ("Ctrl+Shift+N",),
            "Add a category (new objects take it)",
            "Edit",
            section="Categories",
        ),
    ]
    specs += [
        ActionSpec(
            f"category_{digit}",
            f"Category {digit}",
            lambda digit=digit: category_key(digit),  # type: ignore[misc]
            (str(digit),),
            f"Give the active object the category listed {digit}.",
            "",
            section="Categories",
        )
        for digit in range(1, 10)
    ]
    return specs
