"""Database housekeeping that the query planner depends on."""

from __future__ import annotations

from django.db import connection


def refresh_planner_statistics() -> None:
    """Let the planner know table sizes, so searches pick the right index.

    Without statistics SQLite answers a date-of-birth search through the name
    index (it satisfies the ORDER BY) and scans every patient: 320 ms instead of
    under 1 ms at 100,000 patients (docs/performance.md). Run after bulk loads
    and at start-up; PostgreSQL's autovacuum also does this over time.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the same statement on SQLite and PostgreSQL
