"""The window's persisted settings, the only user of QSettings: window geometry and state,
the last model / device / precision / input size, overlay opacity, colours by category, each
project's last export and rebound shortcuts.

Stored as an ini file in the annotator's config folder ($ANNOTATOR_CONFIG overrides it), so
tests and several installs never share one another's settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from annotator.io.store.recent import config_dir

SETTINGS_FILE = "settings.ini"


class Settings:
    """Typed access to the settings; every setter writes through at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / SETTINGS_FILE
        self._qt = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _text(self, key: str) -> str | None:
        value = self._qt.value(key)
        return None if value is None else str(value)

    def sync(self) -> None:
        """Write pending values to the file."""
        self._qt.sync()

    # --- window ----------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._qt.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self._qt.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qt.setValue("window/geometry", geometry)
        self._qt.setValue("window/state", state)

    # --- model -----------------------------------------------------------------------------
    def model(self) -> dict[str, str]:
        """The last model choice: checkpoint, model_name, device, precision, image_size."""
        keys = ("checkpoint", "model_name", "device", "precision", "image_size")
        return {k: v for k in keys if (v := self._text(f"model/{k}")) is not None}

    def save_model(self, **choice: object) -> None:
        for key, value in choice.items():
            self._qt.setValue(f"model/{key}", str(value))

    # --- view ------------------------------------------------------------------------------
    def overlay_opacity(self, default: float) -> float:
        text = self._text("view/overlay_opacity")
        try:
            value = float(text) if text is not None else default
        except ValueError:
            return default
        return min(1.0, max(0.0, value)) if value == value else default  # NaN: the default

    def save_overlay_opacity(self, opacity: float) -> None:
        self._qt.setValue("view/overlay_opacity", f"{opacity:.3f}")

    def colour_by_category(self) -> bool:
        return self._text("view/colour_by_category") == "true"

    def save_colour_by_category(self, on: bool) -> None:
        self._qt.setValue("view/colour_by_category", "true" if on else "false")

    # --- export ----------------------------------------------------------------------------
    def export_request(self, project_path: Path) -> str | None:
        """The last export of a project, as `export_job.request_to_json` wrote it."""
        return self._text(_export_key(project_path))

    def save_export_request(self, project_path: Path, text: str) -> None:
        self._qt.setValue(_export_key(project_path), text)

    # --- shortcuts -------------------------------------------------------------------------
    def shortcuts(self) -> dict[str, list[str]]:
        """Rebound actions: name -> keys (portable text), as the user saved them."""
        self._qt.beginGroup("shortcuts")
        try:
            return {name: _keys(self._qt.value(name)) for name in self._qt.childKeys()}
        finally:
            self._qt.endGroup()

    def save_shortcuts(self, table: Mapping[str, Sequence[str]]) -> None:
        self._qt.remove("shortcuts")
        for name, keys in table.items():
            self._qt.setValue(f"shortcuts/{name}", "|".join(keys))


def _export_key(project_path: Path) -> str:
    """One key a project file (its resolved path, hashed: paths hold characters keys can't)."""
    digest = hashlib.sha1(str(Path(project_path).resolve()).encode()).hexdigest()[:16]
    return f"export/{digest}"


def _keys(value: object) -> list[str]:
    return [k for k in str(value or "").split("|") if k]
