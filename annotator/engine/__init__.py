"""SAM2 in PyTorch: checkpoints and weights, image predictor, video session, fast mode."""

FULL_SIZE = 1024
"""The model input size SAM2 was trained at (px, square): the exact results."""

DRAFT_SIZES: tuple[int, ...] = (512, 768)
"""Smaller model inputs a user may pick for speed (`SAM2Model.set_imgsz`, `EngineService.
load_model(image_size=...)`, `annotator propagate --image-size`): about 4x (512) and 1.8x
(768) less work per frame, coarser mask edges; masks still come at the frame's full size."""
