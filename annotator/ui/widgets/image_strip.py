"""The image strip of a photo project: one entry per photo (name and size), the shown one
selected; it stands where the timeline is for a video. `set_photos()` in,
`photoRequested(video_id)` out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from annotator.domain import Video

_ID_ROLE = Qt.ItemDataRole.UserRole


class ImageStrip(QListWidget):
    """A one-row list of the project's photos."""

    photoRequested = Signal(int)  # video id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setFixedHeight(46)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows stay the window's
        self.setUniformItemSizes(False)
        self.setSpacing(2)
        self.currentItemChanged.connect(self._on_current)

    def set_photos(self, photos: Sequence[Video], shown: int) -> None:
        """List `photos` and select `shown` (emits nothing)."""
        with QSignalBlocker(self):
            self.clear()
            for video in photos:
                item = QListWidgetItem(f"{Path(video.path).name}\n{video.width}×{video.height}")
                item.setData(_ID_ROLE, video.id)
                item.setSizeHint(QSize(150, 38))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.addItem(item)
                if video.id == shown:
                    self.setCurrentItem(item)
                    self.scrollToItem(item)

    def photo_ids(self) -> list[int]:
        return [int(self.item(i).data(_ID_ROLE)) for i in range(self.count())]

    def _on_current(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.photoRequested.emit(int(item.data(_ID_ROLE)))
