"""The Qt-free painting helpers: mask overlays and the timeline's runs."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.ui.overlay import FILL_ALPHA, OUTLINE_ALPHA, mask_outline, render_overlay
from annotator.ui.timeline import runs


def test_overlay_fills_translucent_with_an_opaque_outline() -> None:
    mask = np.zeros((20, 30), bool)
    mask[5:15, 10:20] = True
    out = render_overlay([(mask, (10, 200, 30))], (20, 30))
    assert out.shape == (20, 30, 4) and out.dtype == np.uint8
    assert out[10, 15].tolist() == [10, 200, 30, FILL_ALPHA]  # inside
    assert out[5, 15].tolist() == [10, 200, 30, OUTLINE_ALPHA]  # on the border
    assert out[0, 0].tolist() == [0, 0, 0, 0]  # outside: untouched
    assert out[~mask].sum() == 0


def test_later_masks_paint_over_earlier_and_highlight_thickens_the_outline() -> None:
    a = np.zeros((20, 20), bool)
    a[2:18, 2:18] = True
    b = np.zeros((20, 20), bool)
    b[8:12, 8:12] = True
    out = render_overlay([(a, (255, 0, 0)), (b, (0, 0, 255))], (20, 20), highlight=0)
    assert out[9, 9, :3].tolist() == [0, 0, 255]
    assert out[3, 10, 3] == OUTLINE_ALPHA  # two pixels in: still outline (thick)
    plain = render_overlay([(a, (255, 0, 0))], (20, 20))
    assert plain[3, 10, 3] == FILL_ALPHA


def test_outline_of_empty_and_wrong_sized_masks() -> None:
    assert not mask_outline(np.zeros((4, 4), bool)).any()
    with pytest.raises(ValueError, match="shape"):
        render_overlay([(np.ones((3, 3), bool), (1, 2, 3))], (4, 4))


def test_runs_of_a_flag_vector() -> None:
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    assert runs(flags) == [(0, 1), (4, 4), (6, 8)]
    assert runs(np.zeros(5, bool)) == [] and runs(np.zeros(0, bool)) == []
