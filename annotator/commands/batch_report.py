"""What `annotator batch` shows: a progress bar per running job and one overall (rich, on
stderr; plain lines when it is not a terminal), a line per finished job, a summary table."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from annotator.service.batch import (
    Job,
    JobEvent,
    JobFinished,
    JobOutcome,
    JobProgress,
    JobRetrying,
    JobStarted,
)

_STYLE = {"done": "green", "skipped": "dim", "failed": "bold red", "interrupted": "yellow"}


class BatchReport:
    """Feeds the progress display from job events (`on_event`) and prints the summary."""

    def __init__(self, jobs: Sequence[Job], console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, soft_wrap=True)
        if not self.console.is_terminal:
            self.console.width = 160  # a log file: keep the table's rows on one line
        self._jobs = list(jobs)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._overall: TaskID | None = None
        self._tasks: dict[str, TaskID] = {}
        self._done: dict[str, int] = {}  # frames reported by the job's current attempt
        self._wrote: dict[str, int] = {}  # of them, frames it wrote

    def starting(self, workers: int, executor: str) -> None:
        """Say how the jobs will run."""
        n = len(self._jobs)
        self.console.print(
            f"{n} job{'s' if n != 1 else ''} on {workers} {executor} worker"
            f"{'s' if workers != 1 else ''}"
        )

    @contextlib.contextmanager
    def live(self) -> Iterator[None]:
        """The progress display, shown while the batch runs."""
        with self._progress:
            total = sum(job.total or 0 for job in self._jobs)
            self._overall = self._progress.add_task("all videos", total=total or None)
            yield

    def on_event(self, job: Job, attempt: int, event: JobEvent) -> None:
        """One job event (on the caller's thread): bars and lines."""
        name = escape(job.key)
        if isinstance(event, JobStarted):
            self._done[job.key] = self._wrote[job.key] = 0
            if job.key not in self._tasks:
                self._tasks[job.key] = self._progress.add_task(name, total=job.total)
            where = f"process {event.pid} on {event.host}"
            self.console.print(f"started {name} (attempt {attempt}, {escape(where)})")
        elif isinstance(event, JobProgress):
            self._wrote[job.key] = self._wrote.get(job.key, 0) + event.wrote
            self._set(job, self._done.get(job.key, 0) + 1)
        elif isinstance(event, JobRetrying):
            kept = self._wrote.get(job.key, 0)
            self.console.print(
                f"[yellow]{name}: {escape(event.reason)}; the {kept} frame"
                f"{'s' if kept != 1 else ''} it wrote stay; running it again"
            )
            self._set(job, 0)
        elif isinstance(event, JobFinished):
            task = self._tasks.pop(job.key, None)
            if task is not None:
                self._progress.remove_task(task)
            if event.status == "done":
                self._set(job, job.total or self._done.get(job.key, 0))
            style = _STYLE.get(event.status, "")
            why = f": {escape(event.reason)}" if event.reason else ""
            self.console.print(f"[{style}]{event.status}[/] {name}{why}")

    def _set(self, job: Job, done: int) -> None:
        self._done[job.key] = done
        task = self._tasks.get(job.key)
        if task is not None:
            self._progress.update(task, completed=done)
        if self._overall is not None:
            self._progress.update(self._overall, completed=sum(self._done.values()))

    def summary(self, outcomes: Sequence[JobOutcome]) -> int:
        """Print the table of every job's outcome; the exit status (1 if any failed)."""
        table = Table(title="annotator batch propagate")
        for column in ("job", "status", "written", "already there", "attempts", "seconds"):
            table.add_column(column, justify="left" if column in ("job", "status") else "right")
        table.add_column("reason")
        for o in outcomes:
            table.add_row(
                escape(o.job.key),
                f"[{_STYLE.get(o.status, '')}]{o.status}[/]",
                str(o.written),
                str(o.already),
                str(o.attempts),
                f"{o.seconds:.1f}",
                escape(o.reason),
            )
        self.console.print(table)
        bad = sum(o.status not in ("done", "skipped") for o in outcomes)
        if bad:
            self.console.print(f"[bold red]{bad} of {len(outcomes)} jobs did not finish")
        return 1 if bad else 0
