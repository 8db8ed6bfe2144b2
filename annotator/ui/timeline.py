"""The timeline's old import path: the widget lives in `annotator.ui.widgets.timeline`."""

from __future__ import annotations

from annotator.ui.widgets.timeline import Timeline
from annotator.ui.widgets.timeline_paint import Lane

__all__ = ["Lane", "Timeline"]
