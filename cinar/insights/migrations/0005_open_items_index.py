from django.db import migrations

OPEN = "('ready', 'claimed')"  # workflow.models.OPEN_WORK_ITEM_STATUSES


class Migration(migrations.Migration):
    """The staff workload counts the work items open now (and overdue) per assignee: a
    partial index over the open ones, with every column the count reads, lets PostgreSQL
    answer from the index alone (ADR 0023)."""

    dependencies = [("insights", "0004_open_cases_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_item_open ON workflow_workitem "
            f"(assignee_id, unit_id, due_at, instance_id) WHERE status IN {OPEN}",
            "DROP INDEX IF EXISTS insights_item_open",
        )
    ]
