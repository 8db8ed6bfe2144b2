"""The undo/redo property test over a real project file: after every random sequence the
file, reopened, holds exactly what the in-memory view held."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings

from annotator.domain import Project
from annotator.io.store import create_project, open_project
from tests.domain.edit_machine import EditMachine
from tests.domain.helpers import dump


class SqliteEditMachine(EditMachine):
    def make_project(self) -> Project:
        self.folder = Path(tempfile.mkdtemp(prefix="annotator-undo-"))
        return create_project(self.folder / "p.annotator")

    def teardown(self) -> None:
        try:
            expected = dump(self.project)
            self.project.close()
            with open_project(self.folder / "p.annotator") as reopened:
                assert dump(reopened) == expected, "the file differs from what was shown"
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


TestEditsOnDisk = SqliteEditMachine.TestCase
TestEditsOnDisk.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
