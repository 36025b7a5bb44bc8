from django.db import migrations

# (name, table, key columns, covered columns). PostgreSQL keeps the covered columns in the
# leaf pages only (INCLUDE); SQLite, which has no INCLUDE, gets them as trailing key columns.
INDEXES = [
    # The work items of one BPMN element, by instance, with every column the "late or open
    # past due" condition reads: the step drill-down finds its items from the index alone.
    (
        "insights_item_element",
        "workflow_workitem",
        "element_id, instance_id",
        "completed_at, due_at, status",
    ),
    # The instances of one process version, by id (the step drill-down's process condition).
    ("insights_instance_version", "workflow_processinstance", "version_id, id", ""),
    # The case of an instance with the columns the drill-down's filters and its order
    # read, so that counting the matched cases does not visit the case rows.
    (
        "insights_case_instance",
        "cases_case",
        "process_instance_id",
        "id, responsible_unit_id, service_id, channel, received_at",
    ),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, keys, covered in INDEXES:
        if not covered:
            columns = keys
        elif postgres:
            columns = f"{keys}) INCLUDE ({covered}"
        else:
            columns = f"{keys}, {covered}"
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop(apps, schema_editor):
    for name, _table, _keys, _covered in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """The step drill-down ("the cases with a work item of this step completed late in the
    period or open past due") walks the applications by date and probes their work items
    for a page, and counts from these three indexes without reading a table row: at 1 M
    applications 3–6 s became a few hundred ms (docs/performance.md, insights)."""

    dependencies = [
        ("insights", "0005_open_items_index"),
        ("cases", "0001_initial"),
        ("workflow", "0002_routing_deadlines"),
    ]

    operations = [migrations.RunPython(create, drop)]
