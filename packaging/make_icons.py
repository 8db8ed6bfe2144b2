"""Render resources/icons/annotator.svg into the PNG sizes desktops use (hicolor theme
layout) and a Windows .ico; run after changing the SVG: `python packaging/make_icons.py`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The icon as a size x size ARGB image."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(ICONS / "annotator.svg"))
    if not renderer.isValid():
        raise SystemExit(f"{ICONS / 'annotator.svg'} is not a valid SVG")
    for size in SIZES:
        out = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "annotator.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(out)):
            raise SystemExit(f"could not write {out}")
    if not render(renderer, 256).save(str(ICONS / "annotator.ico")):
        raise SystemExit("this Qt build cannot write .ico files")
    print(f"wrote {len(SIZES)} PNG sizes and annotator.ico under {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
