"""The Models dialog over a real weights manager and a local HTTP mirror: the eight models,
a download with progress, a cancel that keeps the part and a resume with a Range request,
a local checkpoint checked before use, and the choice handed to a callback."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from annotator.engine.weights_registry import REGISTRY
from annotator.ui.dialogs.first_model import FirstModelOffer
from annotator.ui.dialogs.model_choice import (
    IMAGE_SIZES,
    ModelChoice,
    available_devices,
    default_precision,
    has_downloaded_model,
)
from annotator.ui.dialogs.model_dialog import LOCAL_ROW, ModelDialog, short_path

from .conftest import MODEL


def make_dialog(qtbot, weights, chosen: list[ModelChoice], **kwargs) -> ModelDialog:
    dialog = ModelDialog(weights, chosen.append, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def rows(dialog: ModelDialog) -> dict[str, str]:
    items = [dialog.models.topLevelItem(i) for i in range(dialog.models.topLevelItemCount())]
    return {it.text(0): it.text(2) for it in items if it is not None}


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_lists_the_eight_models_and_this_machines_devices(qtbot, weights) -> None:
    dialog = make_dialog(qtbot, weights, [])
    assert list(rows(dialog)) == list(REGISTRY)
    assert set(rows(dialog).values()) == {"not downloaded"}
    devices = [dialog.device_box.itemData(i) for i in range(dialog.device_box.count())]
    assert devices == available_devices() and devices[0] == "cpu"
    sizes = [dialog.size_box.itemData(i) for i in range(dialog.size_box.count())]
    assert sizes == list(IMAGE_SIZES) == [1024, 768, 512]
    dialog.select_model(MODEL)
    assert not dialog.use_button.isEnabled()  # not downloaded yet
    assert dialog.download_button.text() == "Download"


def test_download_with_progress_then_the_choice_reaches_the_callback(
    qtbot, weights, mirror
) -> None:
    chosen: list[ModelChoice] = []
    dialog = make_dialog(qtbot, weights, chosen)
    dialog.select_model(MODEL)
    seen: list[tuple[int, int]] = []
    dialog.download.progressed.connect(lambda done, total: seen.append((done, total)))
    click(qtbot, dialog.download_button)
    qtbot.waitUntil(lambda: not dialog.download.running, timeout=60_000)
    size = weights.entry(MODEL).size
    assert weights.status(MODEL).state == "cached"
    assert weights.path(MODEL).read_bytes() == mirror.files[REGISTRY[MODEL].url_path]
    assert len(seen) > 2 and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == size
    assert rows(dialog)[MODEL] == "downloaded"
    assert dialog.message.text() == f"Downloaded and verified: {short_path(weights.path(MODEL))}"
    dialog.size_box.setCurrentIndex(dialog.size_box.findData(512))
    dialog.precision_box.setCurrentIndex(dialog.precision_box.findData("exact"))
    click(qtbot, dialog.use_button)
    assert chosen == [ModelChoice(weights.path(MODEL), MODEL, "cpu", "exact", 512)]
    assert not dialog.isVisible()


def test_cancel_keeps_the_part_and_the_next_download_resumes(qtbot, weights, mirror) -> None:
    dialog = make_dialog(qtbot, weights, [])
    dialog.select_model(MODEL)
    with mirror.lock:  # the server answers only once the hook below is in place
        click(qtbot, dialog.download_button)
        task = dialog.download.task
        assert task is not None
        # press Cancel as soon as the first chunk is written: in the download's own thread,
        # so the stop lands at a known byte count
        task.progressed.connect(
            lambda value: task.cancel() if value[0] > 0 else None,
            Qt.ConnectionType.DirectConnection,
        )
    qtbot.waitUntil(lambda: not dialog.download.running, timeout=60_000)
    status = weights.status(MODEL)
    assert status.state == "partial" and status.bytes_present == 1 << 16
    assert "cancelled at 65,536 of" in dialog.message.text()
    assert "the next download resumes from there" in dialog.message.text()
    assert rows(dialog)[MODEL].startswith("partial ")
    assert dialog.download_button.text() == "Resume download"
    assert not weights.path(MODEL).exists()
    click(qtbot, dialog.download_button)
    qtbot.waitUntil(lambda: not dialog.download.running, timeout=60_000)
    assert weights.status(MODEL).state == "cached"
    assert mirror.requests[-1] == (REGISTRY[MODEL].url_path, "bytes=65536-")
    assert weights.path(MODEL).read_bytes() == mirror.files[REGISTRY[MODEL].url_path]


def test_offline_download_says_what_to_do(qtbot, weights) -> None:
    weights.base_url = "http://127.0.0.1:1"  # nothing listens there
    dialog = make_dialog(qtbot, weights, [])
    dialog.select_model(MODEL)
    click(qtbot, dialog.download_button)
    qtbot.waitUntil(lambda: not dialog.download.running, timeout=60_000)
    text = dialog.message.text()
    assert "cannot reach http://127.0.0.1:1/" in text or "broke off" in text
    assert "Check the network connection" in text and "open a checkpoint file" in text
    assert weights.status(MODEL).state in ("missing", "partial")


def test_a_local_checkpoint_is_checked_then_used(
    qtbot, weights, small_tiny_checkpoint, tmp_path
) -> None:
    chosen: list[ModelChoice] = []
    bad = tmp_path / "notes.pt"
    bad.write_text("not a checkpoint")
    files = [str(bad), str(small_tiny_checkpoint)]
    dialog = make_dialog(qtbot, weights, chosen, choose_file=lambda _parent: files.pop(0))
    click(qtbot, dialog.open_button)
    qtbot.waitUntil(lambda: dialog.open_button.isEnabled(), timeout=60_000)
    assert dialog.message.text().startswith(f"Cannot use this file: {bad}")
    assert dialog.selected_name() != LOCAL_ROW
    click(qtbot, dialog.open_button)
    qtbot.waitUntil(lambda: dialog.selected_name() == LOCAL_ROW, timeout=60_000)
    assert "SAM2.1 tiny" in dialog.message.text()
    click(qtbot, dialog.use_button)
    device = "cpu"
    assert chosen == [
        ModelChoice(small_tiny_checkpoint, MODEL, device, default_precision(device).mode, 1024)
    ]
    again = make_dialog(qtbot, weights, [], current=chosen[0])  # the local file stays chosen
    qtbot.waitUntil(lambda: again.selected_name() == LOCAL_ROW, timeout=60_000)
    assert again.choice() == chosen[0]


def test_the_current_choice_is_preselected(qtbot, weights, small_tiny_checkpoint) -> None:
    weights.download(MODEL)
    current = ModelChoice(weights.path(MODEL), MODEL, "cpu", "exact", 768)
    dialog = make_dialog(qtbot, weights, [], current=current)
    assert dialog.selected_name() == MODEL and dialog.choice() == current
    assert "768 px draft" in dialog.explanation.text()
    reason = default_precision("cpu").reason
    assert f"Default here: {default_precision('cpu').mode}, because {reason}." in (
        dialog.explanation.text()
    )
    assert current.describe() == "sam2.1_hiera_tiny · CPU · exact · 768 px"


def test_first_start_offer_downloads_tiny(qtbot, weights) -> None:
    chosen: list[ModelChoice] = []
    assert not has_downloaded_model(weights)  # the window shows the offer
    offer = FirstModelOffer(weights, chosen.append)
    qtbot.addWidget(offer)
    offer.show()
    labels = [w.text() for w in offer.findChildren(type(offer.message))]
    size_mb = round(weights.entry(MODEL).size / 1e6)
    assert f"No model yet: download SAM2.1 tiny ({size_mb} MB)?" in labels
    assert any("Without a network" in text for text in labels)
    click(qtbot, offer.download_button)
    qtbot.waitUntil(lambda: bool(chosen), timeout=60_000)
    assert chosen[0].checkpoint == weights.path(MODEL) and weights.status(MODEL).state == "cached"
    assert has_downloaded_model(weights)
    assert not offer.isVisible()


def test_first_start_offer_offline_keeps_the_window_usable(qtbot, weights) -> None:
    weights.base_url = "http://127.0.0.1:1"
    chosen: list[ModelChoice] = []
    offer = FirstModelOffer(weights, chosen.append)
    qtbot.addWidget(offer)
    offer.show()
    click(qtbot, offer.download_button)
    qtbot.waitUntil(lambda: offer.download_button.isEnabled(), timeout=60_000)
    assert "Check the network connection" in offer.message.text()
    assert chosen == [] and offer.isVisible()
    click(qtbot, offer.later_button)
    assert not offer.isVisible()


def test_first_start_offer_opens_the_models_dialog(qtbot, weights) -> None:
    offer = FirstModelOffer(weights, lambda _c: None)
    qtbot.addWidget(offer)
    offer.show()
    click(qtbot, offer.other_button)
    assert offer.models_dialog is not None and offer.models_dialog.isVisible()
    qtbot.addWidget(offer.models_dialog)
    assert not offer.isVisible()


def test_a_damaged_file_is_not_usable_and_downloads_again(qtbot, weights, mirror) -> None:
    weights.cache_dir.mkdir(parents=True)
    weights.path(MODEL).write_bytes(b"x" * weights.entry(MODEL).size)
    dialog = make_dialog(qtbot, weights, [])
    dialog.select_model(MODEL)
    assert rows(dialog)[MODEL] == "downloaded · checking…"  # hashed off the GUI thread
    qtbot.waitUntil(lambda: rows(dialog)[MODEL] == "damaged: download again", timeout=30_000)
    assert not dialog.use_button.isEnabled() and dialog.choice() is None
    click(qtbot, dialog.download_button)
    qtbot.waitUntil(lambda: not dialog.download.running, timeout=60_000)
    assert rows(dialog)[MODEL] == "downloaded"
    assert weights.path(MODEL).read_bytes() == mirror.files[REGISTRY[MODEL].url_path]


def test_short_path_abbreviates_the_home_folder() -> None:
    assert short_path(Path.home() / ".cache" / "m") == "~/.cache/m"
    assert short_path(Path("/elsewhere/m")) == "/elsewhere/m"


def test_closing_during_a_download_keeps_the_part(qtbot, weights, mirror) -> None:
    dialog = make_dialog(qtbot, weights, [])
    dialog.select_model(MODEL)
    with mirror.lock:  # the server answers only once the hook below is in place
        click(qtbot, dialog.download_button)
        task = dialog.download.task
        assert task is not None
        # the download waits after its first chunk until the close asks it to stop
        task.progressed.connect(
            lambda value: task.cancel_event.wait(30) if value[0] > 0 else None,
            Qt.ConnectionType.DirectConnection,
        )
    dialog.reject()
    assert task.isFinished() and not dialog.isVisible()
    assert weights.status(MODEL).state == "partial" and not weights.path(MODEL).exists()


def test_a_model_copied_in_by_hand_is_hashed_in_the_background(
    qtbot, weights, small_tiny_checkpoint
) -> None:
    from annotator.engine.weights_digest import known_digest

    path = weights.path(MODEL)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(small_tiny_checkpoint.read_bytes())  # not downloaded: no digest yet
    assert known_digest(path) is None
    assert weights.status(MODEL, hash_new=False).state == "unchecked"
    assert has_downloaded_model(weights)  # the first-start offer is not made for it
    dialog = make_dialog(qtbot, weights, [])
    qtbot.waitUntil(lambda: rows(dialog)[MODEL] == "downloaded", timeout=30_000)
    assert known_digest(path) == weights.entry(MODEL).sha256  # hashed once, remembered
    dialog.select_model(MODEL)
    assert dialog.use_button.isEnabled() and not dialog.download_button.isEnabled()
    path.write_bytes(b"x" * weights.entry(MODEL).size)  # same size, other bytes
    dialog.refresh()
    qtbot.waitUntil(lambda: rows(dialog)[MODEL] == "damaged: download again", timeout=30_000)
