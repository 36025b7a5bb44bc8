"""Events carry a content hash; the event hash links position, predecessor and content
so that PostgreSQL can append in one statement (ADR 0027). Older events keep their
one-piece hash and are verified as before."""

from django.db import migrations, models

GENESIS_HASH = "0" * 64
# SQLite adds a column by rebuilding the table, which drops its triggers: put them back.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]


def sqlite_triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="prev_hash",
            field=models.CharField(default=GENESIS_HASH, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="content_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="content hash"
            ),
        ),
        migrations.RunPython(sqlite_triggers_back, migrations.RunPython.noop),
    ]
