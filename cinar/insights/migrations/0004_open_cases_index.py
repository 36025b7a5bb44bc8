from django.db import migrations

OPEN = "('received', 'in_progress', 'waiting_applicant')"  # cases.models.OPEN_STATUSES


class Migration(migrations.Migration):
    """The dashboards count the applications open now (and overdue) per unit: a partial
    index over the open ones only keeps that count small at millions of cases (ADR 0023)."""

    dependencies = [("insights", "0003_case_received_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_case_open ON cases_case "
            f"(responsible_unit_id, due_at) WHERE status IN {OPEN}",
            "DROP INDEX IF EXISTS insights_case_open",
        )
    ]
