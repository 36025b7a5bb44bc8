"""The process library (definitions, immutable versions), running instances, their
append-only event log, and work items."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cinar.audit.models import AppendOnlyError  # one error type for every append-only log

# Fields a stored version never changes (the activation flag is the only mutable one).
VERSION_IMMUTABLE_FIELDS = (
    "definition_id",
    "number",
    "filename",
    "xml",
    "sha256",
    "summary",
    "report",
    "is_executable",
    "process_id",
)


class ImmutableVersionError(Exception):
    """Raised when code tries to change a stored process version."""


class ProcessDefinition(models.Model):
    key = models.CharField(_("key"), max_length=255, unique=True, help_text=_("BPMN process id"))
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("process definition")
        verbose_name_plural = _("process definitions")
        ordering = ["key"]
        permissions = [
            ("manage_processes", _("Can upload, model and activate processes")),
            ("view_all_instances", _("Can see every process instance")),
            ("manage_work_items", _("Can reassign and release any work item")),
        ]

    def __str__(self) -> str:
        return self.name or self.key


class ProcessVersion(models.Model):
    definition = models.ForeignKey(
        ProcessDefinition, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    process_id = models.CharField(_("process id"), max_length=255)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    xml = models.TextField(_("BPMN XML"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    summary = models.JSONField(_("summary"), default=dict)
    report = models.JSONField(_("unsupported elements"), default=dict)
    is_executable = models.BooleanField(_("executable"), default=False)
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["definition_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "number"], name="workflow_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["definition", "sha256"], name="workflow_version_sha256_unique"
            ),
            models.UniqueConstraint(
                fields=["definition"],
                condition=Q(is_active=True),
                name="workflow_version_one_active",
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(is_executable=True),
                name="workflow_version_active_is_executable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not a side effect: versions are immutable once written; only the
        # activation flag may change (process_version_activate uses update_fields).
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) - {"is_active"}:
                stored = (
                    type(self).objects.filter(pk=self.pk).values(*VERSION_IMMUTABLE_FIELDS).first()
                )
                if stored is not None and any(
                    stored[name] != getattr(self, name) for name in VERSION_IMMUTABLE_FIELDS
                ):
                    raise ImmutableVersionError(
                        "Process versions are immutable; import a new version instead."
                    )
        super().save(*args, **kwargs)


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")
    TERMINATED = "terminated", _("terminated")
    ERROR = "error", _("error")


class ProcessInstance(models.Model):
    version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="instances")
    # Versions of called processes (call activities in other definitions), pinned at
    # start so a running instance never moves to a newer version: {process id: pk}.
    called_versions = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    business_key = models.CharField(_("business key"), max_length=255, blank=True)
    started_by = models.ForeignKey(  # leads workflow_inst_starter_idx: no index of its own
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Live engine state only (zlib-compressed JSON, no specs, no finished history):
    # see cinar/workflow/engine/state.py. Empty once the instance has ended.
    state = models.BinaryField(null=True, blank=True, editable=False)
    state_size = models.PositiveIntegerField(default=0, editable=False)
    data = models.JSONField(_("final data"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The unit answerable for the instance (e.g. the service's responsible unit, from
    # ``responsible_unit_id`` in the start data): the fallback queue of its work items.
    responsible_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The legal deadline (yasal süre, ``legal_duration_days`` working days from start).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # The earliest moment a BPMN timer of this instance falls due; the sweep loads only
    # instances whose timer is due (see cinar/workflow/sla.py).
    next_timer_at = models.DateTimeField(_("next timer at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["status", "version"], name="workflow_inst_status_idx"),
            models.Index(fields=["business_key"], name="workflow_inst_bkey_idx"),
            models.Index(
                fields=["next_timer_at"],
                condition=Q(status="running", next_timer_at__isnull=False),
                name="workflow_inst_timer_idx",
            ),
            models.Index(fields=["started_by", "status"], name="workflow_inst_starter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status == InstanceStatus.RUNNING


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    TASK_READY = "task_ready", _("task ready")
    TASK_STARTED = "task_started", _("task started")
    TASK_COMPLETED = "task_completed", _("task completed")
    TASK_CANCELLED = "task_cancelled", _("task cancelled")
    GATEWAY = "gateway", _("gateway passed")
    EVENT = "event", _("event")
    TIMER_FIRED = "timer_fired", _("timer fired")
    MESSAGE_RECEIVED = "message_received", _("message received")
    MESSAGE_SENT = "message_sent", _("message sent")
    SIGNAL = "signal", _("signal thrown")
    ESCALATION = "escalation", _("escalation")
    ERROR_CAUGHT = "error_caught", _("error caught")
    ERROR = "error", _("error")
    TERMINATED = "terminated", _("terminated")
    COMPLETED = "completed", _("completed")
    # Work-item transitions (people, routing, deadlines).
    CLAIMED = "claimed", _("claimed")
    RELEASED = "released", _("released")
    RETURNED = "returned", _("returned")
    REASSIGNED = "reassigned", _("reassigned")
    DELEGATED = "delegated", _("delegated")
    SLA_WARNING = "sla_warning", _("deadline approaching")
    ESCALATED = "escalated", _("escalated")


class ProcessEvent(models.Model):
    """One transition of one instance; written once, never changed (insights read it)."""

    # Both are the leading column of an index below, which answers every look-up by them:
    # a single-column index of their own would only slow down each event's insert.
    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    element_id = models.CharField(max_length=255, blank=True)
    element_name = models.CharField(max_length=255, blank=True)
    element_type = models.CharField(max_length=64, blank=True)
    lane = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("process event")
        verbose_name_plural = _("process events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["instance", "id"], name="workflow_event_inst_idx"),
            models.Index(
                fields=["version", "element_id", "kind"], name="workflow_event_element_idx"
            ),
            models.Index(fields=["kind", "at"], name="workflow_event_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.element_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Process events are append-only.")
        super().save(*args, **kwargs)


class WorkItemStatus(models.TextChoices):
    READY = "ready", _("ready")
    CLAIMED = "claimed", _("claimed")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


OPEN_WORK_ITEM_STATUSES = (WorkItemStatus.READY, WorkItemStatus.CLAIMED)


class WorkItem(models.Model):
    """A user task waiting for a person. Routing (cinar/workflow/routing.py) fills the
    assignee (a person, possibly a deputy acting ``on_behalf_of`` the addressee) or a
    queue (``candidate_unit`` and/or ``candidate_role``); ``unit`` is the unit answerable
    for the item (its managers see it, escalation climbs from it)."""

    instance = models.ForeignKey(  # leads workflow_item_task_idx: no index of its own
        ProcessInstance, on_delete=models.PROTECT, related_name="work_items", db_index=False
    )
    task_id = models.UUIDField(_("engine task id"))
    element_id = models.CharField(_("BPMN task id"), max_length=255)
    title = models.CharField(_("title"), max_length=255)
    lane = models.CharField(_("lane"), max_length=255, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    candidate_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("candidate unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    candidate_role = models.CharField(_("candidate role"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WorkItemStatus.choices, default=WorkItemStatus.READY
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Deadlines in working days (cinar/workflow/sla.py).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_soon_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why the item came back (iade), shown to whoever receives it.
    return_reason = models.TextField(_("return reason"), blank=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["created_at", "id"]
        constraints = [
            # A task reset by a return (iade) gets a new item; closed ones stay as history.
            models.UniqueConstraint(
                fields=["instance", "task_id"],
                condition=Q(status__in=["ready", "claimed"]),
                name="workflow_item_open_task_unique",
            )
        ]
        indexes = [
            models.Index(fields=["status", "assignee"], name="workflow_item_assignee_idx"),
            models.Index(fields=["status", "candidate_unit"], name="workflow_item_unit_idx"),
            models.Index(fields=["status", "candidate_role"], name="workflow_item_role_idx"),
            models.Index(fields=["status", "unit"], name="workflow_item_owner_idx"),
            models.Index(fields=["instance", "task_id"], name="workflow_item_task_idx"),
            models.Index(
                fields=["due_soon_at"],
                condition=Q(status__in=["ready", "claimed"], warned_at__isnull=True),
                name="workflow_item_warn_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["ready", "claimed"], escalated_at__isnull=True),
                name="workflow_item_escalate_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WORK_ITEM_STATUSES

    @property
    def is_queued(self) -> bool:
        """Open and waiting in a unit or role queue for someone to claim it."""
        return self.is_open and self.assignee_id is None
