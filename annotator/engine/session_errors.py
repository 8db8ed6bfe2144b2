"""Errors of the video tracking session: one base type, one subclass per kind of misuse."""

from __future__ import annotations

from annotator.engine.preprocess import EngineInputError, InvalidImageError, InvalidPromptError


class VideoSessionError(EngineInputError):
    """A request the video session cannot honour; the message says what and why."""


class EmptyVideoError(VideoSessionError):
    """The frame source has no frames."""


class FrameIndexError(VideoSessionError, IndexError):
    """A frame index outside 0..num_frames-1."""


class UnknownObjectError(VideoSessionError, KeyError):
    """An object id the session does not know (never prompted, or removed)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PromptError(VideoSessionError, InvalidPromptError):
    """A malformed prompt: a point outside the frame, mismatched labels, a bad mask or box."""


class FrameSourceError(VideoSessionError, InvalidImageError):
    """A frame from the source is not an RGB uint8 image of the video's size."""


class NothingToTrackError(VideoSessionError):
    """Propagation was asked for before any object got a prompt."""


class NonFiniteOutputError(VideoSessionError):
    """The model's output on a frame holds NaN or inf (damaged weights or an overflow)."""
