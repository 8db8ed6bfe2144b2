"""The main window: composes the frame view and the frame slider; holds no logic of its own."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QSlider, QVBoxLayout, QWidget

from annotator.ui.frame_view import FrameView


class FrameSource(Protocol):
    """What the window needs of a video: its length and frame-by-index access (RGB uint8)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> np.ndarray: ...


class MainWindow(QMainWindow):
    """A frame view over a slider that picks the frame to show."""

    def __init__(self, frames: FrameSource, title: str = "annotator") -> None:
        super().__init__()
        if len(frames) == 0:
            raise ValueError("the video has no frames")
        self._frames = frames
        self.setWindowTitle(title)

        self.frame_view = FrameView()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(frames) - 1)
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(110)

        bar = QHBoxLayout()
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.frame_label)
        layout = QVBoxLayout()
        layout.addWidget(self.frame_view, 1)
        layout.addLayout(bar)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        self.slider.valueChanged.connect(self.show_frame)
        self.show_frame(0)

    @property
    def current_frame(self) -> int:
        return self.slider.value()

    def show_frame(self, index: int) -> None:
        """Display frame `index` and keep the slider and label in step."""
        if self.slider.value() != index:
            self.slider.setValue(index)  # re-enters through valueChanged
            return
        self.frame_view.set_frame(self._frames[index])
        self.frame_label.setText(f"{index + 1} / {len(self._frames)}")
