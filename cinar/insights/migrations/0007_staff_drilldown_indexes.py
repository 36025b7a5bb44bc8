from django.db import migrations

OPEN = "('ready', 'claimed')"  # workflow.models.OPEN_WORK_ITEM_STATUSES
PERSON = "(COALESCE(completed_by_id, assignee_id))"  # queries: the staff rollups' person

# (name, key columns, covered columns, partial condition). PostgreSQL keeps the covered
# columns in the leaf pages only (INCLUDE); SQLite, which has no INCLUDE, gets them as
# trailing key columns. ``completed_by_id`` and ``assignee_id`` are covered although the
# key already holds their COALESCE: PostgreSQL reads an expression index without visiting
# the table only when the columns under the expression are in the index too.
INDEXES = [
    # A person's work items by completion time, with what "late in the period" reads:
    # the staff drill-down finds the items of its period from the index alone.
    (
        "insights_item_person",
        f"{PERSON}, completed_at",
        "instance_id, due_at, completed_by_id, assignee_id",
        "",
    ),
    # A person's open items by due time ("open and past due now").
    (
        "insights_item_person_open",
        f"{PERSON}, due_at",
        "instance_id, completed_by_id, assignee_id",
        f"status IN {OPEN}",
    ),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, keys, covered, where in INDEXES:
        columns = f"{keys}) INCLUDE ({covered}" if postgres else f"{keys}, {covered}"
        partial = f" WHERE {where}" if where else ""
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON workflow_workitem ({columns}){partial}"
        )
    if postgres:
        # Statistics of the COALESCE exist only once the table is analyzed with the index
        # in place; until then the planner guesses how many items a person has.
        schema_editor.execute("ANALYZE workflow_workitem")


def drop(apps, schema_editor):
    for name, _keys, _covered, _where in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """The staff drill-down ("the applications a person worked on in the period", from
    the workload page) read every work item to find one person's: no index led with the
    person (``completed_by``, else ``assignee``, as the staff rollups count). These two
    let it read that person's items of the period, or open past due, from an index
    (ADR 0039)."""

    dependencies = [
        ("insights", "0006_step_drilldown_indexes"),
        ("workflow", "0002_routing_deadlines"),
    ]

    operations = [migrations.RunPython(create, drop)]
