"""The desktop integration files: the entry passes desktop-file-validate, the MIME type
claims the project suffix, the icons exist in the sizes desktops look for; the bundle's smoke
test refuses weights, CUDA libraries or a missing sample clip."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from types import ModuleType

import cv2
import pytest

from annotator.commands.gui import PROJECT_SUFFIX
from tests.conftest import REPO
from tests.engine._checkpoints import module_from_file

PACKAGING = REPO / "packaging"
ICONS = REPO / "resources" / "icons"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def test_desktop_entry_passes_desktop_file_validate() -> None:
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate is missing: apt-get install desktop-file-utils"
    done = subprocess.run(
        [validator, str(PACKAGING / "annotator.desktop")], capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_mime_type_claims_project_files_and_the_entry_opens_them() -> None:
    root = ET.parse(PACKAGING / "annotator-project.xml").getroot()
    mime = root.find(f"{MIME_NS}mime-type")
    assert mime is not None
    globs = [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]
    assert globs == [f"*{PROJECT_SUFFIX}"]
    entry = (PACKAGING / "annotator.desktop").read_text()
    assert f"{mime.get('type')};" in entry
    assert "Exec=annotator %f" in entry


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_icon_exists_in_each_size(size: int) -> None:
    image = cv2.imread(str(ICONS / "hicolor" / f"{size}x{size}" / "apps" / "annotator.png"))
    assert image is not None and image.shape[:2] == (size, size)


def test_the_spec_bundles_files_that_exist() -> None:
    spec = (PACKAGING / "annotator.spec").read_text()
    for name in ("annotator_main.py", "sample.mp4", "annotator.ico"):
        assert name in spec
    assert (PACKAGING / "annotator_main.py").is_file()
    assert (REPO / "resources" / "sample.mp4").is_file()
    assert (ICONS / "annotator.ico").is_file()


def load_smoke_test() -> ModuleType:
    """packaging/smoke_test.py, by path (the folder shares its name with pip's `packaging`)."""
    return module_from_file("smoke_test", PACKAGING / "smoke_test.py")


def test_the_smoke_test_refuses_a_bundle_with_weights_or_cuda_or_no_sample(tmp_path) -> None:
    smoke = load_smoke_test()
    bundle = tmp_path / "annotator"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    assert smoke.contents_problems(bundle) == [
        "the sample clip resources/sample.mp4 is not bundled"
    ]
    (bundle / "_internal" / "resources" / "sample.mp4").write_bytes(b"clip")
    assert smoke.contents_problems(bundle) == []
    (bundle / "_internal" / "sam2.1_hiera_tiny.pt").write_bytes(b"weights")
    (bundle / "_internal" / "torch" / "lib").mkdir(parents=True)
    (bundle / "_internal" / "torch" / "lib" / "libcudart.so.12").write_bytes(b"cuda")
    problems = smoke.contents_problems(bundle)
    assert len(problems) == 2
    assert "model weights are bundled" in problems[0] and "sam2.1_hiera_tiny.pt" in problems[0]
    assert "CUDA libraries are bundled" in problems[1]
