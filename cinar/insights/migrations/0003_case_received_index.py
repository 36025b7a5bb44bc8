from django.db import migrations


class Migration(migrations.Migration):
    """The incremental recompute of a touched (day, service) finds the cases received that
    day by range (ADR 0023)."""

    dependencies = [("insights", "0002_histogram_columns_staff_ratings")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_case_received_at ON cases_case (received_at)",
            "DROP INDEX IF EXISTS insights_case_received_at",
        )
    ]
