"""Dialogs of the annotation window, each a self-contained widget over plain inputs.

- `export_dialog.ExportDialog(project_path_or_project)`: every format and option of
  `annotator export`, run off the GUI thread with progress, cancel and "Open folder".
- `model_dialog.ModelDialog(weights_manager, on_choice)`: the eight models, download with
  progress, cancel and resume, a local checkpoint, device, precision and input size; hands a
  `model_choice.ModelChoice` to `on_choice`. `first_model.FirstModelOffer` is the first-start
  offer of the default model (`model_choice.has_downloaded_model` says when to show it).
- `import_dialog.ImportDialog(open_project)`: the formats of `annotator import`, a dry-run
  preview (what would be added, or the error with file and line), then apply.
- `shortcuts_dialog.ShortcutsDialog([(name, keys)...])` (F1): every shortcut, rebinding with
  conflicts refused; hands back the new mapping.
- `about_dialog.AboutDialog()`: name, version, licence, Python/PyTorch/Qt versions.
"""
