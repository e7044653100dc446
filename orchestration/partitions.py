"""The as-of date D as a Dagster daily partition: one partition per day in Asia/Tokyo, so
"what did we decide on 2026-03-01" is the materialization (or the backfill) of partition
2026-03-01, and the UI shows the decisions day by day.

Start: 2022-01-01. The scenario's ATS has been in use for five years: the sample export's
history begins 1,826 days before its last batch (sample_exports/generate.py,
HISTORY_DAYS), i.e. late November 2021 for the exports of late 2026 the demo, the tests
and `recontact generate` write. A D before that has nothing to decide on, and a person can
come out eligible only three months after an application closed (rule 12), so early 2022
at the soonest. 2022-01-01 covers every day with a meaningful decision and keeps the
partitions near 1,800 (Dagster advises fewer than 100,000).

End: `end_offset=1` makes today (in Tokyo) a partition, not only the last complete day:
the 06:00 refresh decides as of the day it runs in, as the dbt default does.
"""

from __future__ import annotations

import dagster as dg

from loader.paths import BUSINESS_TIMEZONE

AS_OF_START_DATE = "2022-01-01"

as_of_dates = dg.DailyPartitionsDefinition(
    start_date=AS_OF_START_DATE,
    timezone=BUSINESS_TIMEZONE.key,
    end_offset=1,
)


def run_as_of_date(context: dg.OpExecutionContext) -> str | None:
    """The D of a partitioned run (its partition key, YYYY-MM-DD), None in a run without one."""
    return context.partition_key if context.has_partition_key else None
