"""Records validate their fields and raise DomainError subclasses on bad input."""

from __future__ import annotations

import pytest

from annotator.domain import (
    Category,
    FrameMask,
    InvalidValueError,
    Mask,
    Prompt,
    Provenance,
    Track,
    Video,
    colour_to_hex,
    parse_colour,
)


def test_colours_parse_and_format() -> None:
    assert parse_colour("#0a10ff") == (10, 16, 255)
    assert parse_colour((1, 2, 3)) == (1, 2, 3)
    assert colour_to_hex((10, 16, 255)) == "#0a10ff"
    for bad in ("red", "#12345", (1, 2), (0, 0, 256), (0.5, 0, 0)):
        with pytest.raises(InvalidValueError):
            parse_colour(bad)  # type: ignore[arg-type]


def test_prompt_validation_and_json_round_trip() -> None:
    p = Prompt(points=[(1, 2.5), (3, 4)], labels=[1, 0], box=(0, 0, 10, 5))
    assert p.points == ((1.0, 2.5), (3.0, 4.0)) and p.labels == (1, 0)
    assert Prompt.from_json(p.to_json()) == p
    assert Prompt(box=(1, 1, 2, 2)).points == ()
    with pytest.raises(InvalidValueError):
        Prompt(points=[(1, 2)], labels=[])
    with pytest.raises(InvalidValueError):
        Prompt(points=[(1, 2)], labels=[2])
    with pytest.raises(InvalidValueError):
        Prompt(box=(5, 0, 1, 1))
    with pytest.raises(InvalidValueError):
        Prompt()
    with pytest.raises(InvalidValueError):
        Prompt(points=[(float("nan"), 1)], labels=[1])
    with pytest.raises(InvalidValueError):
        Prompt.from_json({"points": [[1]], "labels": [1]})


def test_entities_reject_bad_fields() -> None:
    with pytest.raises(InvalidValueError):
        Category(0, "x")
    with pytest.raises(InvalidValueError):
        Category(1, "  ")
    with pytest.raises(InvalidValueError):
        Video(1, "v.mp4", "fp", 0, 10, 10, 10)
    with pytest.raises(InvalidValueError):
        Video(1, "v.mp4", "fp", 30, 10, 10, 0)
    with pytest.raises(InvalidValueError):
        Track(1, 1, None, "")
    m = Mask.empty(2, 2)
    with pytest.raises(InvalidValueError):
        FrameMask(1, -1, 1, m)
    with pytest.raises(InvalidValueError):
        FrameMask(1, 0, 1, m, score=float("inf"))
    with pytest.raises(InvalidValueError):
        FrameMask(1, 0, 1, "mask")  # type: ignore[arg-type]


def test_with_returns_validated_copy_and_provenance_keys() -> None:
    t = Track(3, 1, None, "car")
    assert t.with_(name="bus").name == "bus" and t.name == "car"
    with pytest.raises(InvalidValueError):
        t.with_(colour="nope")
    assert Provenance.PROMPTED.is_key and Provenance.EDITED.is_key
    assert not Provenance.PROPAGATED.is_key and not Provenance.IMPORTED.is_key
    assert FrameMask(1, 0, 3, Mask.empty(2, 2), "edited").provenance is Provenance.EDITED  # type: ignore[arg-type]
