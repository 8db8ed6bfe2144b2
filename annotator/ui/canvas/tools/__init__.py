"""Canvas tools behind one protocol (`base.Tool`): prompt, brush, eraser, polygon, pan."""

from annotator.ui.canvas.tools.base import BaseTool, Pointer, Tool
from annotator.ui.canvas.tools.brush import BrushTool
from annotator.ui.canvas.tools.pan import PanTool
from annotator.ui.canvas.tools.polygon import PolygonTool
from annotator.ui.canvas.tools.prompt import PromptTool

TOOL_NAMES = ("prompt", "brush", "eraser", "polygon", "pan")

__all__ = [
    "TOOL_NAMES",
    "BaseTool",
    "BrushTool",
    "PanTool",
    "Pointer",
    "PolygonTool",
    "PromptTool",
    "Tool",
]
