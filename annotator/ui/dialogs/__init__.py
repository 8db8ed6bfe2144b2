"""Dialogs of the annotation window, each a self-contained widget over plain inputs.

- `ExportDialog(project_path_or_project)`: every format and option of `annotator export`,
  run off the GUI thread with progress, cancel and "Open folder".
"""
