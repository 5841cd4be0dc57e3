"""``ketaclinic worker``: run the background tasks (reminder emails) from the task queue.

In the embedded mode (``TASK_QUEUE=database``, the default) the jobs are rows in the
application's own database and ``ketaclinic run`` starts one worker beside gunicorn; in
the clinic-chain mode (``TASK_QUEUE=redis``) they are in Redis and this command runs an
RQ worker on any machine that reaches Redis and the database. Either way the worker also
queues a sweep of the outbox every ``--sweep-seconds``: the safety net that sends what a
lost task or a dead worker left behind (``ketaclinic.outbox.delivery``), and once a day
(at its start, then each new day) the questionnaire schedule's daily run
(``ketaclinic.qschedule.tasks``) and of the follow-up visits owed (``ketaclinic.visits.tasks``).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from typing import Any

from ketaclinic.cli import setup_django

HELP = "run background tasks (reminder emails) from the task queue"
log = logging.getLogger("ketaclinic.worker")


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser("worker", help=HELP)
    worker.add_argument(
        "--sweep-seconds",
        type=float,
        default=30.0,
        help="queue a sweep of the outbox this often (default %(default)s)",
    )
    worker.add_argument(
        "--poll-seconds",
        type=float,
        default=1.0,
        help="embedded mode: look for due jobs this often (default %(default)s)",
    )
    # Set by `ketaclinic run`: stop when the server that started this worker is gone.
    worker.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(handler=_worker)


def _worker(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    ticker = threading.Thread(
        target=_tick, args=(args.sweep_seconds, args.parent_pid), daemon=True, name="sweeper"
    )
    ticker.start()
    worker_id = f"{socket.gethostname()}-{os.getpid()}"
    log.info("%s queue %r, worker %s", settings.TASK_QUEUE, settings.TASK_QUEUE_NAME, worker_id)
    if settings.TASK_QUEUE == "database":
        from django_tasks_db.management.commands.db_worker import Worker

        db_worker = Worker(
            queue_names=[settings.TASK_QUEUE_NAME],
            interval=args.poll_seconds,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id[:64],
            excluded_queue_names=[],
        )
        db_worker.configure_signals()
        db_worker.run()
    else:
        import django_rq

        rq_worker = django_rq.get_worker(
            settings.TASK_QUEUE_NAME, job_class="django_tasks_rq.Job", name=worker_id
        )
        rq_worker.work(with_scheduler=True)
    return 0


#: The outcome summary is rebuilt whole this often (the nightly refresh; outcomes.tasks).
REFRESH_OUTCOMES_SECONDS = 24 * 3600.0
#: Finished jobs are kept this long in the embedded mode's table, then deleted.
KEEP_FINISHED_DAYS = 7
PRUNE_EVERY_SECONDS = 3600.0


def _tick(every: float, parent: int | None) -> None:
    """Queue a sweep now and every ``every`` seconds; stop the worker when its parent dies."""
    import time

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from ketaclinic.lib import clock
    from ketaclinic.outbox.tasks import enqueue_sweep
    from ketaclinic.outcomes.tasks import enqueue_nightly
    from ketaclinic.qschedule.tasks import enqueue_daily_refresh
    from ketaclinic.visits.tasks import enqueue_daily_owed

    pruned_at = 0.0
    refreshed_on = None
    # The first full refresh an hour after start, then daily (a restart does not rebuild).
    refreshed_at = time.monotonic() - REFRESH_OUTCOMES_SECONDS + 3600.0
    while True:
        if time.monotonic() - refreshed_at > REFRESH_OUTCOMES_SECONDS:
            refreshed_at = time.monotonic()
            try:
                enqueue_nightly()
            except Exception:
                log.exception("could not queue the outcome summary's refresh")
        if settings.TASK_QUEUE == "database" and time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
            pruned_at = time.monotonic()
            try:
                call_command(
                    "prune_db_task_results",
                    queue_name=settings.TASK_QUEUE_NAME,
                    min_age_days=KEEP_FINISHED_DAYS,
                    verbosity=0,
                )
            except Exception:
                log.exception("could not prune finished jobs")
        if parent is not None and os.getppid() != parent:
            log.info("the server that started this worker is gone: stopping")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        try:
            enqueue_sweep()
            if refreshed_on != clock.today():
                enqueue_daily_refresh()
                enqueue_daily_owed()
                refreshed_on = clock.today()
        except Exception:  # the queue may be down for a moment; try again next time
            log.exception("could not queue the outbox sweep or the daily follow-up runs")
        finally:
            connection.close()
        threading.Event().wait(every)
