"""The annotation canvas: the frame under a zoom/pan viewport, mask layers painted at
screen resolution, and tools (prompt, brush, eraser, polygon, pan) that turn input into
prompts and mask edits."""

from annotator.ui.canvas.view import AnnotationCanvas

__all__ = ["AnnotationCanvas"]
