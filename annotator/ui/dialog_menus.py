"""The menu entries that open the dialogs of `annotator.ui.dialogs`: File > Import and
Export, Edit > Settings, Model > Models, Help > Keyboard shortcuts (F1) and About, and what
the window does with their answers (load the chosen model, rebind the shortcuts and remember
both)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QWidget

from annotator.ui.actions import ActionSpec
from annotator.ui.canvas_actions import set_mask_opacity
from annotator.ui.dialogs.about_dialog import AboutDialog
from annotator.ui.dialogs.export_dialog import ExportDialog
from annotator.ui.dialogs.export_job import request_from_json, request_to_json
from annotator.ui.dialogs.first_model import FirstModelOffer
from annotator.ui.dialogs.import_dialog import ImportDialog
from annotator.ui.dialogs.model_choice import ModelChoice, has_downloaded_model
from annotator.ui.dialogs.model_dialog import ModelDialog
from annotator.ui.dialogs.settings_dialog import SettingsDialog
from annotator.ui.dialogs.shortcuts_dialog import Shortcuts, ShortcutsDialog
from annotator.ui.engine_bridge import EngineBridge

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow


class DialogMenus:
    """Opens each dialog modelessly (tests reach it as `last_dialog`)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.last_dialog: QDialog | None = None
        self.choice: ModelChoice | None = None
        self.choose_checkpoint: Callable[[QWidget], str] | None = None  # tests answer it
        self.default_keys: dict[str, tuple[str, ...]] = {}  # set once all are registered

    def specs(self) -> list[ActionSpec]:
        return [
            ActionSpec("import", "Import labels…", self.open_import, ("Ctrl+I",),
                       "Import COCO, YOLO and other labels into this project", "File",
                       section="File"),
            ActionSpec("export", "Export dataset…", self.open_export, ("Ctrl+E",),
                       "Export COCO, YOLO, DAVIS, MOT… with progress and cancel", "File",
                       lambda: self.window.document.path is not None, section="File"),
            ActionSpec("models", "Models…", self.open_models, ("Ctrl+M",),
                       "Choose, download or open a model; device, precision, input size",
                       "Model", section="Model"),
            ActionSpec("settings", "Settings…", self.open_settings, ("Ctrl+,",),
                       "Mask opacity, shortcuts, model; where they are kept", "Edit",
                       section="Edit"),
            ActionSpec("shortcuts", "Keyboard shortcuts…", self.open_shortcuts, ("F1",),
                       "Every shortcut, and rebinding them", "Help", section="Help"),
            ActionSpec("about", "About annotator", self.open_about, (), "Version and licence",
                       "Help", section="Help"),
        ]  # fmt: skip

    def _show(self, dialog: QDialog) -> QDialog:
        self.last_dialog = dialog
        dialog.setModal(True)
        dialog.show()
        return dialog

    # --- file --------------------------------------------------------------------------------
    def open_import(self) -> QDialog:
        dialog = ImportDialog(self.window.project, self.window)
        dialog.imported.connect(lambda *_: self.window.controller.objects.refresh())
        return self._show(dialog)

    def open_export(self) -> QDialog:
        """The export dialog, filled in as this project's last export was."""
        document, settings = self.window.document, self.window.settings
        assert document.path is not None  # the action is enabled only then
        path = document.path
        out = path.with_name(path.stem + "_export")
        dialog = ExportDialog(path, self.window, default_out=out)
        last = request_from_json(settings.export_request(path))
        if last is not None:
            dialog.set_request(last)

        def remember(_summary: object) -> None:
            if dialog.last_request is not None:
                settings.save_export_request(path, request_to_json(dialog.last_request))

        dialog.exported.connect(remember)
        return self._show(dialog)

    # --- model -------------------------------------------------------------------------------
    def open_models(self) -> QDialog:
        from annotator.engine.weights import WeightsManager  # torch-free, imported on use

        manager = WeightsManager()
        if self.choose_checkpoint is None:
            dialog = ModelDialog(manager, self.apply_model, self.window, current=self.choice)
        else:
            dialog = ModelDialog(
                manager,
                self.apply_model,
                self.window,
                current=self.choice,
                choose_file=self.choose_checkpoint,
            )
        return self._show(dialog)

    def offer_first_model(self) -> QDialog | None:
        """First start without any model: offer to download SAM2.1 tiny (the dialog says
        what happens offline); None when a model is in the cache already."""
        from annotator.engine.weights import WeightsManager

        manager = WeightsManager()
        if has_downloaded_model(manager):
            return None
        return self._show(FirstModelOffer(manager, self.apply_model, self.window))

    def apply_model(self, choice: ModelChoice) -> None:
        """Load the chosen model (starting an engine if the window had none) and remember it."""
        window = self.window
        self.choice = choice
        if window.bridge is None:
            window.bridge = EngineBridge()
            window.set_document(window.document, close_old=False)
        window.controller.start_engine(
            window.document.frames,
            str(choice.checkpoint),
            choice.image_size,
            device=choice.device,
            fast=choice.fast,
        )
        window.model_label.setText(choice.describe())
        window.settings.save_model(
            checkpoint=choice.checkpoint,
            model_name=choice.model_name,
            device=choice.device,
            precision=choice.precision,
            image_size=choice.image_size,
        )

    # --- help --------------------------------------------------------------------------------
    def open_shortcuts(self) -> QDialog:
        registry = self.window.registry
        specs = registry.specs
        dialog = ShortcutsDialog(
            [(s.name, registry.keys_of(s.name)) for s in specs],
            self.window,
            defaults=list(self.default_keys.items()),
            labels={s.name: s.text for s in specs},
            sections={s.name: s.section for s in specs},
            on_rebind=self.rebind,
        )
        return self._show(dialog)

    def rebind(self, table: Shortcuts) -> None:
        """Apply a whole new mapping; remember the keys that differ from the defaults."""
        registry = self.window.registry
        for name in table:  # free every key first, so swaps between actions are possible
            if name in registry:
                registry.rebind(name, [])
        for name, keys in table.items():
            if name in registry:
                registry.rebind(name, list(keys))
        changed = {n: list(k) for n, k in table.items() if tuple(k) != self.default_keys.get(n)}
        self.window.settings.save_shortcuts(changed)

    def open_settings(self) -> QDialog:
        window, registry = self.window, self.window.registry
        fainter, stronger = (
            ", ".join(registry.keys_of(name)) for name in ("overlay_fainter", "overlay_stronger")
        )
        dialog = SettingsDialog(
            window.canvas.masks.options.opacity,
            lambda value: set_mask_opacity(window, value),
            self.open_shortcuts,
            self.open_models,
            window.settings.path,
            window,
            opacity_keys=(fainter, stronger),
        )
        registry.mirror_tooltip(dialog.shortcuts_button, "shortcuts")
        registry.mirror_tooltip(dialog.models_button, "models")
        return self._show(dialog)

    def open_about(self) -> QDialog:
        return self._show(AboutDialog(self.window))


def checkpoint_exists(choice: dict[str, str]) -> bool:
    """Whether a remembered model's file is still there."""
    return bool(choice.get("checkpoint")) and Path(choice["checkpoint"]).is_file()
