"""What Label Studio's own encoder writes, we read: random masks are encoded with
label-studio-converter's `mask2rle` into a Label Studio JSON export, and the app's importer
(run with $ANNOTATOR_PYTHON) must give back exactly those masks.

Run in a venv with `label-studio-converter` (see run.sh): `python check_label_studio.py EXPORTS`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from label_studio_converter.brush import mask2rle

WIDTH, HEIGHT, FRAMES, OBJECTS = 48, 36, 3, 2

IMPORT = """
import json, sys
import numpy as np
from annotator.domain import Project, Video
from annotator.io.formats import apply_import, read_label_studio
folder = sys.argv[1]
want = np.load(f"{folder}/masks.npy")  # (frames, objects, H, W)
project = Project()
project.put_video(Video(1, "/data/frames", "fp", 25.0, want.shape[3], want.shape[2], len(want)))
apply_import(project, read_label_studio(project, f"{folder}/tasks.json", link=False))
got = np.zeros_like(want)
for track in project.tracks():
    for record in project.masks(1, track=track.id):
        got[record.frame, int(track.name.split("-")[-1])] = record.mask.to_array()
print(json.dumps({"tracks": len(project.tracks()), "equal": bool((got == want).all())}))
"""


def main() -> int:
    folder = Path(sys.argv[1]) / "label-studio"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    masks = np.zeros((FRAMES, OBJECTS, HEIGHT, WIDTH), bool)
    tasks = []
    for frame in range(FRAMES):
        results = []
        for obj in range(OBJECTS):
            blobs = rng.random((HEIGHT // 6, WIDTH // 6)) > 0.6
            mask = np.kron(blobs, np.ones((6, 6), bool)) & (rng.random((HEIGHT, WIDTH)) > 0.1)
            masks[frame, obj] = mask
            results.append({
                "id": f"f{frame}-{obj}", "type": "brushlabels", "from_name": "tag",
                "to_name": "image", "original_width": WIDTH, "original_height": HEIGHT,
                "value": {"format": "rle", "rle": mask2rle(mask.astype(np.uint8) * 255),
                          "brushlabels": [f"class{obj}"]},
            })  # fmt: skip
        image = f"/data/upload/1/0a1b2c3d-frame_{frame:06d}.jpg"
        tasks.append({"id": frame + 1, "data": {"image": image},
                      "annotations": [{"id": frame + 1, "result": results}]})  # fmt: skip
    (folder / "tasks.json").write_text(json.dumps(tasks))
    np.save(folder / "masks.npy", masks)
    app = os.environ["ANNOTATOR_PYTHON"]
    run = subprocess.run([app, "-c", IMPORT, str(folder)], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr[-2000:])
        print("label-studio: the import failed FAILED")
        return 1
    said = json.loads(run.stdout.strip().splitlines()[-1])
    ok = said["equal"] and said["tracks"] == FRAMES * OBJECTS
    print(f"label-studio: {said['tracks']} regions read back, masks equal: {said['equal']} "
          f"{'ok' if ok else 'FAILED'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
