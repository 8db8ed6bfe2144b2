"""The eight official SAM2 / SAM2.1 checkpoint files: where Meta publishes them, exact sizes.

Sizes and SHA-256 digests are those of the files at dl.fbaipublicfiles.com. Where they come
from: the Git LFS pointers of Hugging Face copies of the same files (facebook/sam2-hiera-*,
facebook/sam2.1-hiera-*, and mirrors such as camenduru/sam2-1-hiera) give "oid sha256 + size";
independent projects that download from dl.fbaipublicfiles.com verify the same digests
(micro_sam2's pooch hashes for all eight; a size-checked manifest for sam2_hiera_small).
A file whose size or digest differs from these is not the published checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://dl.fbaipublicfiles.com/segment_anything_2"
# release folders under the base URL
SAM2_RELEASE = "072824"
SAM21_RELEASE = "092824"


@dataclass(frozen=True)
class WeightsEntry:
    """One downloadable checkpoint: model name, file name, path under the base URL, size."""

    name: str  # model name, a key of MODEL_CONFIGS (e.g. "sam2.1_hiera_tiny")
    url_path: str  # relative to the base URL, e.g. "092824/sam2.1_hiera_tiny.pt"
    size: int  # exact byte count of the published file
    sha256: str | None = None  # hex digest; None skips the digest check

    @property
    def filename(self) -> str:
        """Name of the file in the cache folder (the published file name)."""
        return self.url_path.rsplit("/", 1)[-1]

    def url(self, base_url: str = DEFAULT_BASE_URL) -> str:
        """Full download URL under `base_url`."""
        return f"{base_url.rstrip('/')}/{self.url_path}"


def _entry(release: str, name: str, size: int, sha256: str) -> WeightsEntry:
    return WeightsEntry(name=name, url_path=f"{release}/{name}.pt", size=size, sha256=sha256)


REGISTRY: dict[str, WeightsEntry] = {
    e.name: e
    for e in (
        _entry(
            SAM2_RELEASE,
            "sam2_hiera_tiny",
            155_906_050,
            "65b50056e05bcb13694174f51bb6da89c894b57b75ccdf0ba6352c597c5d1125",
        ),
        _entry(
            SAM2_RELEASE,
            "sam2_hiera_small",
            184_309_650,
            "95949964d4e548409021d47b22712d5f1abf2564cc0c3c765ba599a24ac7dce3",
        ),
        _entry(
            SAM2_RELEASE,
            "sam2_hiera_base_plus",
            323_493_298,
            "d0bb7f236400a49669ffdd1be617959a8b1d1065081789d7bbff88eded3a8071",
        ),
        _entry(
            SAM2_RELEASE,
            "sam2_hiera_large",
            897_952_466,
            "7442e4e9b732a508f80e141e7c2913437a3610ee0c77381a66658c3a445df87b",
        ),
        _entry(
            SAM21_RELEASE,
            "sam2.1_hiera_tiny",
            156_008_466,
            "7402e0d864fa82708a20fbd15bc84245c2f26dff0eb43a4b5b93452deb34be69",
        ),
        _entry(
            SAM21_RELEASE,
            "sam2.1_hiera_small",
            184_416_285,
            "6d1aa6f30de5c92224f8172114de081d104bbd23dd9dc5c58996f0cad5dc4d38",
        ),
        _entry(
            SAM21_RELEASE,
            "sam2.1_hiera_base_plus",
            323_606_802,
            "a2345aede8715ab1d5d31b4a509fb160c5a4af1970f199d9054ccfb746c004c5",
        ),
        _entry(
            SAM21_RELEASE,
            "sam2.1_hiera_large",
            898_083_611,
            "2647878d5dfa5098f2f8649825738a9345572bae2d4350a2468587ece47dd318",
        ),
    )
}

# the model the application suggests first: smallest and newest
DEFAULT_MODEL = "sam2.1_hiera_tiny"
