"""annotator: segment and track objects in images and videos with SAM2."""

__version__ = "0.2.0"
"""The one place the version is written: packaging metadata, `annotator --version` and the
About dialog read it from here."""
