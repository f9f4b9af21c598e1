"""Forms: templates (``CustomModuleForm``) and their ordered questions (``CustomModule``),
filled-out forms (``FormAnswerGroup`` with one ``FormAnswer`` per question), locking, signing
and addenda of chart notes, onboarding flows and their items, and form requests (one-off and
recurring).

Templates, filled-out forms and requests are soft-deleted (``deleted_at``): a chart note that
was filled out on a template stays readable after the template is removed.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class CustomModuleForm(models.Model):
    """A form template: intake form, consent, chart note template, program form."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="forms")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="custom_module_forms")
    name = models.CharField(max_length=255)
    use_for_charting = models.BooleanField(default=False)
    use_for_program = models.BooleanField(default=False)
    is_video = models.BooleanField(default=False)
    prefill = models.BooleanField(default=False)
    custom_instructions = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_id_type = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    # Copies remember their source (copyCustomModuleForm / shareCustomModuleForm).
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    # Archived templates leave the default list (``active_status: false``) but stay usable by id.
    archived_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "deleted_at", "name"])]


class CustomModule(models.Model):
    """One question (or read-only block) of a template, in ``position`` order.

    ``options`` holds the choices of radio/checkbox/dropdown/matrix questions as the documented
    newline-separated text; ``custom_module_condition`` the conditional display rule (JSON).
    """

    custom_module_form = models.ForeignKey(CustomModuleForm, on_delete=models.CASCADE, related_name="custom_modules")
    mod_type = models.CharField(max_length=50)
    label = models.TextField(blank=True)
    sublabel = models.TextField(blank=True)
    options = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    hipaa_name = models.CharField(max_length=255, blank=True)
    is_custom = models.BooleanField(default=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_id_type = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    custom_module_condition = models.JSONField(null=True, blank=True)
    parent_custom_module = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                             related_name="children")
    file_attachment = models.FileField(upload_to="forms/%Y/%m/", blank=True, max_length=500)
    file_attachment_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["custom_module_form", "position", "id"])]


class FormAnswerGroup(models.Model):
    """A filled-out form (a chart note when its template is used for charting) about ``user``
    (the patient), filled by ``filler``. Locked groups refuse edits; addenda and signings are
    still added to them."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    custom_module_form = models.ForeignKey(CustomModuleForm, on_delete=models.PROTECT,
                                           related_name="form_answer_groups")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="form_answer_groups")
    filler = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="form_answer_groups")
    requested_form_completion = models.ForeignKey("forms.RequestedFormCompletion", null=True, blank=True,
                                                  on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255, blank=True)
    finished = models.BooleanField(default=False)
    # A draft kept for the filler only (autosave of an unfinished chart note).
    is_draft = models.BooleanField(default=False)
    individual_note = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The date of service of a chart note (documented ``date`` filter of formAnswerGroups).
    record_created_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "user", "-created_at", "-id"]),
            models.Index(fields=["custom_module_form", "-created_at"]),
        ]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class FormAnswer(models.Model):
    form_answer_group = models.ForeignKey(FormAnswerGroup, on_delete=models.CASCADE, related_name="form_answers")
    custom_module = models.ForeignKey(CustomModule, on_delete=models.PROTECT, related_name="form_answers")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answer = models.TextField(blank=True)
    file_attachment = models.FileField(upload_to="forms/answers/%Y/%m/", blank=True, max_length=500)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form_answer_group", "custom_module"],
                                               name="one_answer_per_question")]


class FormAnswerGroupSigning(models.Model):
    form_answer_group = models.ForeignKey(FormAnswerGroup, on_delete=models.CASCADE,
                                          related_name="form_answer_group_signings")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form_answer_group", "user"], name="one_signing_per_user")]


class ChartingNoteAddendum(models.Model):
    """Text added to a locked chart note; never edited afterwards."""

    form_answer_group = models.ForeignKey(FormAnswerGroup, on_delete=models.CASCADE,
                                          related_name="charting_note_addendums")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)


class OnboardingFlow(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE,
                                     related_name="onboarding_flows")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=255)
    has_forms_after_welcome = models.BooleanField(default=False)
    is_multiple_providers = models.BooleanField(default=False)
    # Groups whose patients are asked to complete this flow (UserGroup.onboarding_flow_id holds the link).
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class OnboardingItem(models.Model):
    """One step of a flow: a form (``item_type`` "CustomModuleForm" with ``item_id``) or one of
    the built-in steps (``availableItemTypes``)."""

    onboarding_flow = models.ForeignKey(OnboardingFlow, on_delete=models.CASCADE, related_name="onboarding_items")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item_type = models.CharField(max_length=100)
    item_id = models.BigIntegerField(null=True, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    is_skippable = models.BooleanField(default=False)
    row_order = models.IntegerField(default=0)
    welcome_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["row_order", "id"]


class CompletedOnboardingItem(models.Model):
    """A patient finished (or skipped) an onboarding item; kept when the item is removed
    (``unassociatedCompletedOnboardingItems``)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="completed_onboarding_items")
    onboarding_item = models.ForeignKey(OnboardingItem, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="completions")
    item_type = models.CharField(max_length=100, blank=True)
    item_id = models.BigIntegerField(null=True, blank=True)
    skipped = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "onboarding_item"],
                                               condition=Q(onboarding_item__isnull=False),
                                               name="one_completion_per_item")]


class RecurringForm(models.Model):
    """A request issued again on a schedule (``frequency`` Daily/Weekly/Monthly, at ``hour``:``minute``
    in the sender's time zone, on ``weekday`` / ``monthday``) until ``ends_on`` or forever."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="recurring_forms")
    custom_module_form = models.ForeignKey(CustomModuleForm, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=20)
    period = models.CharField(max_length=20, blank=True)
    minute = models.PositiveSmallIntegerField(default=0)
    hour = models.PositiveSmallIntegerField(default=9)
    weekday = models.CharField(max_length=20, blank=True)
    monthday = models.PositiveSmallIntegerField(null=True, blank=True)
    recurrence_ends = models.BooleanField(default=False)
    ends_on = models.DateField(null=True, blank=True)
    next_issue_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class RequestedFormCompletion(models.Model):
    OPEN = "Open"
    INCOMPLETE = "Incomplete"
    COMPLETE = "Complete"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE,
                                  related_name="requested_form_completions")
    custom_module_form = models.ForeignKey(CustomModuleForm, on_delete=models.CASCADE, related_name="+")
    recurring_form = models.ForeignKey(RecurringForm, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="requests")
    form_answer_group = models.ForeignKey(FormAnswerGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    status = models.CharField(max_length=20, default=OPEN)
    metadata = models.JSONField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "status", "-created_at"])]


class SmartPhrase(models.Model):
    """A provider's text snippet for chart notes (``smartPhrases``)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="smart_phrases")
    name = models.CharField(max_length=255)
    text = models.TextField()
    is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class FormAnswerFileAttachment(models.Model):
    """A file attached to one answer (``createFormAnswerFileAttachment``, from a direct upload);
    an answer may hold several. Read back through a signed link (``FileAttachment.url``)."""

    form_answer = models.ForeignKey(FormAnswer, on_delete=models.CASCADE, related_name="file_attachments")
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="uploads/%Y/%m/", max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    byte_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


# Not a column: the form's lock and signing events, prefetchable from the event log (apps/forms/audit.py).
def _attach_audit_log() -> None:
    from apps.forms.audit import AUDITED_EVENT_TYPES, EventLog

    FormAnswerGroup.audit_log = EventLog("FormAnswerGroup", AUDITED_EVENT_TYPES)


_attach_audit_log()
