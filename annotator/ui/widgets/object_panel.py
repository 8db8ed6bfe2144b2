"""The object list: one row a track (colour swatch, name, visibility box); add, select, remove.

A plain view: it shows what `set_tracks` gives it and reports what the user asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Colour, Track

_ID_ROLE = Qt.ItemDataRole.UserRole


def swatch(colour: Colour, size: int = 14) -> QIcon:
    """A square icon filled with `colour`."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)


class ObjectPanel(QWidget):
    """Lists the tracks of the video; the selected row is the active object."""

    addRequested = Signal()
    removeRequested = Signal(int)  # track id
    activeChanged = Signal(int)  # track id
    visibilityChanged = Signal(int, bool)  # track id, visible

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        # never keyboard focus: arrows, Space and Del are the window's shortcuts, not the list's
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.add_button = QPushButton("Add object")
        self.add_button.setToolTip("New object (N)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Delete the selected object and its masks")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Objects"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(180)

        self.add_button.clicked.connect(self.addRequested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemChanged.connect(self._on_item_changed)

    @property
    def active_id(self) -> int | None:
        """The selected track's id (None when the list is empty)."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(_ID_ROLE))

    def track_ids(self) -> list[int]:
        """Ids of the listed tracks, top to bottom."""
        return [int(self.list.item(i).data(_ID_ROLE)) for i in range(self.list.count())]

    def set_tracks(self, tracks: Sequence[Track], active_id: int | None) -> None:
        """Show `tracks` and select `active_id` (emits nothing: the caller knows)."""
        with QSignalBlocker(self.list):
            self.list.clear()
            for track in tracks:
                item = QListWidgetItem(swatch(track.colour), f"{track.name}  (#{track.id})")
                item.setData(_ID_ROLE, track.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Unchecked if track.hidden else Qt.CheckState.Checked
                )
                item.setToolTip("Tick to show the object's mask")
                self.list.addItem(item)
                if track.id == active_id:
                    self.list.setCurrentItem(item)
        self.remove_button.setEnabled(self.list.count() > 0)

    def set_active(self, track_id: int | None) -> None:
        """Select the row of `track_id` (emits nothing)."""
        with QSignalBlocker(self.list):
            for row in range(self.list.count()):
                item = self.list.item(row)
                if int(item.data(_ID_ROLE)) == track_id:
                    self.list.setCurrentItem(item)
                    return
            self.list.setCurrentRow(-1)

    def _remove_selected(self) -> None:
        if self.active_id is not None:
            self.removeRequested.emit(self.active_id)

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.activeChanged.emit(int(current.data(_ID_ROLE)))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        visible = item.checkState() == Qt.CheckState.Checked
        self.visibilityChanged.emit(int(item.data(_ID_ROLE)), visible)
