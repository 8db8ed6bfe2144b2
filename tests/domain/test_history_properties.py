"""Property test: random edit sequences; every undo/redo restores the exact state."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.domain.edit_machine import EditMachine

TestEditsInMemory = EditMachine.TestCase
TestEditsInMemory.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
