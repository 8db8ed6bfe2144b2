"""The main window: composes the frame view and the frame slider; holds no logic of its own."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QSlider, QVBoxLayout, QWidget

from annotator.ui.frame_loader import FrameLoader, FrameSource
from annotator.ui.frame_view import FrameView


class MainWindow(QMainWindow):
    """A frame view over a slider that picks the frame to show."""

    def __init__(self, frames: FrameSource, title: str = "annotator") -> None:
        super().__init__()
        if len(frames) == 0:
            raise ValueError("the video has no frames")
        self._frames = frames
        self._shown: tuple[int, bool] = (-1, False)
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

        self.loader = FrameLoader(frames, self)
        self.loader.frameReady.connect(self._paint_frame)
        self.slider.valueChanged.connect(self.show_frame)
        self.show_frame(0)

    @property
    def current_frame(self) -> int:
        return self.slider.value()

    @property
    def shown_exact(self) -> bool:
        """Whether the view holds the exact current frame rather than its scrub proxy."""
        return self._shown == (self.current_frame, True)

    def show_frame(self, index: int) -> None:
        """Display frame `index` and keep the slider and label in step."""
        if self.slider.value() != index:
            self.slider.setValue(index)  # re-enters through valueChanged
            return
        self.frame_label.setText(f"{index + 1} / {len(self._frames)}")
        self.loader.show(index)

    def _paint_frame(self, index: int, frame: np.ndarray, exact: bool) -> None:
        if index == self.current_frame:
            self.frame_view.set_frame(frame)
            self._shown = (index, exact)
