"""The object list: one row a track (colour swatch, visibility box, a dot when it has a mask
on the shown frame, name, category, a lock), narrowed by a filter box; add, select
(Ctrl/Shift+click selects several: a run can be limited to them), rename, lock, merge into
another object, remove.

A plain view: it shows what `set_tracks` gives it and reports what the user asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Colour, Track
from annotator.ui.widgets.questions import AskChoice, AskText, ask_choice, ask_text

_ID_ROLE = Qt.ItemDataRole.UserRole


def swatch(colour: Colour, size: int = 14) -> QIcon:
    """A square icon filled with `colour`."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)


def row_text(track: Track, category_names: Mapping[int, str], on_frame: Collection[int]) -> str:
    """'● car 1 — vehicle 🔒': on this frame, name, category, locked."""
    marker = "●" if track.id in on_frame else "○"
    category = category_names.get(track.category_id, "") if track.category_id else ""
    text = f"{marker} {track.name}" + (f" — {category}" if category else "")
    return text + (" 🔒" if track.locked else "")


class ObjectPanel(QWidget):
    """Lists the tracks of the video; the current row is the active object, and Ctrl or
    Shift+click selects others beside it."""

    addRequested = Signal()
    removeRequested = Signal(int)  # track id
    activeChanged = Signal(int)  # track id
    selectionChanged = Signal(object)  # frozenset of the selected track ids
    visibilityChanged = Signal(int, bool)  # track id, visible
    renameRequested = Signal(int)  # track id (double-click; F2 is the window's action)
    lockRequested = Signal(int, bool)  # track id, locked
    mergeRequested = Signal(int, int)  # source track id, target track id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ask_text: AskText = ask_text
        self.ask_choice: AskChoice = ask_choice
        self.list = QListWidget()
        # never keyboard focus: arrows, Space and Del are the window's shortcuts, not the list's
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton("Add object")
        self.add_button.setToolTip("New object")
        self.lock_button = QPushButton("Lock")
        self.lock_button.setCheckable(True)
        self.lock_button.setToolTip("A locked object's masks are not changed by clicks")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Delete the selected object and its masks")
        self.merge_button = QPushButton("Merge…")
        self.merge_button.setToolTip(
            "Move the selected object's masks to another object (one that broke in two)"
        )
        buttons = QGridLayout()
        buttons.addWidget(self.add_button, 0, 0)
        buttons.addWidget(self.lock_button, 0, 1)
        buttons.addWidget(self.merge_button, 1, 0)
        buttons.addWidget(self.remove_button, 1, 1)
        self.title = QLabel("Objects")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or category")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show only the objects whose name or category holds this "
                                    "text; Enter selects the first one")  # fmt: skip
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.setFixedWidth(240)  # the layout never jumps with the names shown
        self._locked: dict[int, bool] = {}
        self._names: dict[int, str] = {}

        self.add_button.clicked.connect(self.addRequested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemSelectionChanged.connect(
            lambda: self.selectionChanged.emit(self.selected_ids())
        )
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemDoubleClicked.connect(
            lambda item: self.renameRequested.emit(int(item.data(_ID_ROLE)))
        )
        self.lock_button.clicked.connect(self._lock_selected)
        self.merge_button.clicked.connect(self.merge_active)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.filter_edit.returnPressed.connect(self._activate_first_shown)

    @property
    def active_id(self) -> int | None:
        """The selected track's id (None when the list is empty)."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(_ID_ROLE))

    def selected_ids(self) -> frozenset[int]:
        """Ids of the selected rows (the active one and those Ctrl/Shift+clicked with it)."""
        return frozenset(int(item.data(_ID_ROLE)) for item in self.list.selectedItems())

    def track_ids(self) -> list[int]:
        """Ids of the listed tracks, top to bottom."""
        return [int(self.list.item(i).data(_ID_ROLE)) for i in range(self.list.count())]

    def set_tracks(
        self,
        tracks: Sequence[Track],
        active_id: int | None,
        *,
        category_names: Mapping[int, str] | None = None,
        on_frame: Collection[int] = (),
    ) -> None:
        """Show `tracks` and make `active_id` current, keeping the rows selected before
        (emits nothing: the caller knows); `on_frame`: the tracks with a mask on the shown
        frame (marked with a dot)."""
        names = category_names or {}
        self._locked = {t.id: t.locked for t in tracks}
        self._names = {t.id: t.name for t in tracks}
        selected = self.selected_ids() | {active_id}
        with QSignalBlocker(self.list):
            self.list.clear()
            for track in tracks:
                item = QListWidgetItem(swatch(track.colour), row_text(track, names, on_frame))
                item.setData(_ID_ROLE, track.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Unchecked if track.hidden else Qt.CheckState.Checked
                )
                item.setToolTip("Tick to show the object's mask")
                self.list.addItem(item)
                if track.id == active_id:
                    self.list.setCurrentItem(item, QItemSelectionModel.SelectionFlag.NoUpdate)
                item.setSelected(track.id in selected)
        self._apply_filter()
        self._sync_buttons()

    def shown_ids(self) -> list[int]:
        """Ids of the rows the filter lets through, top to bottom."""
        rows = [self.list.item(i) for i in range(self.list.count())]
        return [int(r.data(_ID_ROLE)) for r in rows if not r.isHidden()]

    def _apply_filter(self) -> None:
        wanted = self.filter_edit.text().strip().casefold()
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(bool(wanted) and wanted not in item.text()[2:].casefold())
        total, shown = self.list.count(), len(self.shown_ids())
        self.title.setText(f"Objects ({shown} of {total})" if shown < total else "Objects")

    def _activate_first_shown(self) -> None:
        """Enter in the filter: the first row shown becomes active, and the keys go back to
        the window's shortcuts."""
        shown = self.shown_ids()
        if shown:
            self.set_active(shown[0])
            self.activeChanged.emit(shown[0])
        self.filter_edit.clearFocus()

    def _sync_buttons(self) -> None:
        active = self.active_id
        self.remove_button.setEnabled(active is not None)
        self.lock_button.setEnabled(active is not None)
        self.merge_button.setEnabled(active is not None and self.list.count() > 1)
        with QSignalBlocker(self.lock_button):
            self.lock_button.setChecked(bool(self._locked.get(active or -1)))

    def set_active(self, track_id: int | None) -> None:
        """Make the row of `track_id` current (activeChanged is not emitted). A row outside
        the selection becomes the whole selection, which selectionChanged reports. The row
        already current is left alone: the user's click that made it so selects as Qt does."""
        if self.active_id == track_id:
            return
        before = self.selected_ids()
        with QSignalBlocker(self.list):
            for row in range(self.list.count()):
                item = self.list.item(row)
                if int(item.data(_ID_ROLE)) == track_id:
                    keep = item.isSelected()
                    flag = QItemSelectionModel.SelectionFlag
                    self.list.setCurrentItem(item, flag.NoUpdate if keep else flag.ClearAndSelect)
                    break
            else:
                self.list.setCurrentRow(-1)
        self._sync_buttons()
        if self.selected_ids() != before:
            self.selectionChanged.emit(self.selected_ids())

    def _lock_selected(self) -> None:
        active = self.active_id
        if active is not None:
            self.lockRequested.emit(active, not self._locked.get(active, False))

    def merge_active(self) -> None:
        """Ask which object the active one merges into; report the choice (mergeRequested)."""
        source = self.active_id
        rows = [self.list.item(i) for i in range(self.list.count())]
        others = [r for r in rows if int(r.data(_ID_ROLE)) != source]
        if source is None or not others:
            return
        texts = [r.text() for r in others]
        chosen = self.ask_choice(self, f"Merge {self._names.get(source, '')} into:", texts)
        if chosen is not None:
            self.mergeRequested.emit(source, int(others[chosen].data(_ID_ROLE)))

    def _remove_selected(self) -> None:
        if self.active_id is not None:
            self.removeRequested.emit(self.active_id)

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self._sync_buttons()
        if current is not None:
            self.activeChanged.emit(int(current.data(_ID_ROLE)))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        visible = item.checkState() == Qt.CheckState.Checked
        self.visibilityChanged.emit(int(item.data(_ID_ROLE)), visible)
