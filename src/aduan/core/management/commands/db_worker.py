"""django-tasks-db's ``db_worker``, made to ride out a database restart.

The package's worker re-raises any ``OperationalError`` other than SQLite's "database is
locked", so a PostgreSQL restart ended it. This command (found first because ``aduan.core``
comes before ``django_tasks`` in INSTALLED_APPS) takes the same options and runs the
package's own loop; when the connection is lost it waits with back-off until the
database answers again (:mod:`aduan.core.reconnect`) and resumes the loop.

A task whose result could not be written because the connection broke is marked failed
(with that error) once the database is back, instead of staying "running" for ever; it
is not run again, since it may have sent something before the outage (notifications that
were due are delivered by the sweep).
"""

from __future__ import annotations

import os
import time

from django.core.management.base import CommandError
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from aduan.core.reconnect import DATABASE_UNAVAILABLE, DatabaseBackoff, call_with_reconnect


def _sleep(seconds: float) -> bool:
    """``time.sleep`` for :func:`call_with_reconnect`: a signal stops the worker through
    its own handler (``sys.exit``), so waiting never asks to give up."""
    time.sleep(seconds)
    return False


def _probe(database) -> None:
    with database.cursor() as cursor:
        cursor.execute("SELECT 1")


class ResilientWorker(db_worker.Worker):
    interrupted: DBTaskResult | None = None

    def run(self) -> None:
        backoff = DatabaseBackoff(name="db_worker")
        database = connections[DBTaskResult.objects.db]
        while True:
            try:
                super().run()
            except DATABASE_UNAVAILABLE as error:
                if not self.running:  # asked to stop while a task was running
                    raise
                lost = error
                delay = backoff.failed(error)
            else:
                return
            _sleep(delay)
            call_with_reconnect(lambda: _probe(database), backoff=backoff, wait=_sleep)
            if self.interrupted is not None:
                task_result, self.interrupted = self.interrupted, None
                call_with_reconnect(
                    lambda t=task_result, e=lost: self._settle(t, e), backoff=backoff, wait=_sleep
                )
            self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DATABASE_UNAVAILABLE:
            self.interrupted = db_task_result  # its result could not be written
            raise

    def _settle(self, task_result: DBTaskResult, error: BaseException) -> None:
        still_running = DBTaskResult.objects.filter(
            pk=task_result.pk, status=TaskResultStatus.RUNNING
        ).exists()
        if still_running:
            task_result.set_failed(error)
            db_worker.logger.warning(
                "Task id=%s marked failed: the database connection broke while it ran",
                task_result.pk,
            )


class Command(db_worker.Command):
    help = "Run a database background worker that rides out database restarts"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # The package's handle() with ResilientWorker in place of its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            db_worker.logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
