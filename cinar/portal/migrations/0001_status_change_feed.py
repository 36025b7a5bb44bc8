"""Triggers that tell the status page's change feed what changed (ADR 0044).

Each sends ``pg_notify('cinar_status', token)`` when a row the fast answer depends on
changes, from the same transaction (so nothing is told of work rolled back):

* a session updated or deleted: ``s:<session key>``;
* a user updated or deleted: ``u:<id>``;
* a case updated or deleted: ``c:<id>``;
* a message, document request, attachment or result added, changed or removed:
  ``c:<its case>``;
* a process event added, changed or removed: ``c:<case>`` for each case the instance runs
  (none for a process no case runs, such as a document's routing);
* a service changed or removed, or any of these tables truncated: ``*`` (anything).

A case inserted in the transaction needs no word: nothing outside it can have checked
it. The case's insert notes its id in the transaction's setting ``cinar.new_case``, and
the triggers say nothing of that case. A submission (the insert, its process start, its
attachments, its update after the start) so notifies nobody, and its commit does not
queue behind the other writers' for PostgreSQL's notification lock. (Only the last case
inserted is noted: a transaction inserting several tells of the others, which is only
more than needed.)

PostgreSQL only; on other databases this migration does nothing (the fast answer checks
with a query there, every time).
"""

from django.db import migrations

CHANNEL = "cinar_status"


def _tables(apps):
    model = apps.get_model
    return {
        "session": model("sessions", "Session")._meta.db_table,
        "user": model("identity", "User")._meta.db_table,
        "case": model("cases", "Case")._meta.db_table,
        "children": [
            model("cases", name)._meta.db_table
            for name in ("CaseMessage", "CaseDocumentRequest", "CaseAttachment", "CaseResult")
        ],
        "event": model("workflow", "ProcessEvent")._meta.db_table,
        "service": model("catalog", "Service")._meta.db_table,
    }


def _functions(t, quote):
    """Each trigger function's name and body."""
    notify = f"PERFORM pg_notify('{CHANNEL}', "
    # The case inserted in this transaction, if any (NULL or '' when none).
    new_case = "current_setting('cinar.new_case', true)"

    def case(column):
        return (
            f"IF {column}::text IS DISTINCT FROM {new_case} THEN {notify}'c:' || {column}); END IF;"
        )

    def cases_of(instance):
        return (
            f"{notify}'c:' || c.id) FROM {quote(t['case'])} c "
            f"WHERE c.process_instance_id = {instance} "
            f"AND c.id::text IS DISTINCT FROM {new_case};"
        )

    functions = {
        "cinar_status_session": f"{notify}'s:' || OLD.session_key);",
        "cinar_status_user": f"{notify}'u:' || OLD.id);",
        "cinar_status_case_new": "PERFORM set_config('cinar.new_case', NEW.id::text, true);",
        "cinar_status_case": case("OLD.id"),
        "cinar_status_case_child": (
            f"IF TG_OP <> 'INSERT' THEN {case('OLD.case_id')} END IF;\n"
            f"IF TG_OP <> 'DELETE' THEN {case('NEW.case_id')} END IF;"
        ),
        "cinar_status_event": (
            f"IF TG_OP <> 'INSERT' THEN {cases_of('OLD.instance_id')} END IF;\n"
            f"IF TG_OP <> 'DELETE' THEN {cases_of('NEW.instance_id')} END IF;"
        ),
        "cinar_status_all": f"{notify}'*');",
    }
    return functions


def _triggers(t):
    """(table, events, function) of each row trigger named ``cinar_status``."""
    return [
        (t["session"], "UPDATE OR DELETE", "cinar_status_session"),
        (t["user"], "UPDATE OR DELETE", "cinar_status_user"),
        (t["case"], "UPDATE OR DELETE", "cinar_status_case"),
        *[
            (table, "INSERT OR UPDATE OR DELETE", "cinar_status_case_child")
            for table in t["children"]
        ],
        (t["event"], "INSERT OR UPDATE OR DELETE", "cinar_status_event"),
        (t["service"], "UPDATE OR DELETE", "cinar_status_all"),
    ]


def _statements(apps, quote):
    t = _tables(apps)
    for name, body in _functions(t, quote).items():
        yield (
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\nRETURN NULL;\nEND $$"
        )
    rows = _triggers(t)
    for table, events, function in rows:
        yield (
            f"CREATE TRIGGER cinar_status AFTER {events} ON {quote(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    yield (
        f"CREATE TRIGGER cinar_status_new AFTER INSERT ON {quote(t['case'])} "
        "FOR EACH ROW EXECUTE FUNCTION cinar_status_case_new()"
    )
    for table, _events, _function in rows:
        yield (
            f"CREATE TRIGGER cinar_status_truncate AFTER TRUNCATE ON {quote(table)} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cinar_status_all()"
        )


def _drops(apps, quote):
    t = _tables(apps)
    for table, _events, _function in _triggers(t):
        yield f"DROP TRIGGER IF EXISTS cinar_status ON {quote(table)}"
        yield f"DROP TRIGGER IF EXISTS cinar_status_truncate ON {quote(table)}"
    yield f"DROP TRIGGER IF EXISTS cinar_status_new ON {quote(t['case'])}"
    for name in _functions(t, quote):
        yield f"DROP FUNCTION IF EXISTS {name}()"


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements(apps, schema_editor.quote_name):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sessions", "0001_initial"),
        ("identity", "0002_privacy_notice"),
        ("cases", "0003_indexes_by_their_composites"),
        ("workflow", "0004_indexes_by_their_composites"),
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(_run(_statements), _run(_drops), elidable=False)]
