"""Every webhook event type the published API lists, with the resource type it names.

``emit()`` refuses anything not in this catalog, so a typo cannot create a new event type.
"""

from __future__ import annotations

# resource name prefix -> resource_id_type sent in the payload
RESOURCE_TYPES: dict[str, str] = {
    "applied_tag": "AppliedTag",
    "appointment": "Appointment",
    "availability": "Availability",
    "billing_item": "BillingItem",
    "care_plan": "CarePlan",
    "cms1500": "Cms1500",
    "comment": "Comment",
    "conversation": "Conversation",
    "conversation_membership": "ConversationMembership",
    "document": "Document",
    "dosespot_notification": "DosespotNotification",
    "entry": "Entry",
    "form_answer_group": "FormAnswerGroup",
    "goal": "Goal",
    "goal_history": "GoalHistory",
    "insurance_authorization": "InsuranceAuthorization",
    "message": "Note",
    "metric_entry": "Entry",
    "patient": "User",
    "policy": "Policy",
    "received_fax": "ReceivedFax",
    "requested_form_completion": "RequestedFormCompletion",
    "requested_payment": "RequestedPayment",
    "task": "Task",
}

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "applied_tag.created",
        "applied_tag.deleted",
        "appointment.created",
        "appointment.deleted",
        "appointment.updated",
        "availability.created",
        "availability.deleted",
        "availability.updated",
        "billing_item.created",
        "billing_item.updated",
        "care_plan.created",
        "care_plan.deleted",
        "care_plan.updated",
        "cms1500.created",
        "cms1500.deleted",
        "cms1500.updated",
        "comment.created",
        "comment.deleted",
        "comment.updated",
        "conversation_membership.created",
        "conversation_membership.viewed",
        "document.created",
        "document.deleted",
        "document.updated",
        "dosespot_notification.created",
        "entry.created",
        "entry.deleted",
        "entry.updated",
        "form_answer_group.created",
        "form_answer_group.deleted",
        "form_answer_group.locked",
        "form_answer_group.signed",
        "goal.created",
        "goal.deleted",
        "goal.updated",
        "goal_history.created",
        "insurance_authorization.created",
        "insurance_authorization.deleted",
        "insurance_authorization.updated",
        "message.created",
        "message.deleted",
        "metric_entry.created",
        "metric_entry.deleted",
        "metric_entry.updated",
        "patient.created",
        "patient.updated",
        "policy.created",
        "policy.deleted",
        "policy.updated",
        "received_fax.created",
        "requested_form_completion.created",
        "requested_form_completion.deleted",
        "requested_form_completion.updated",
        "requested_payment.created",
        "requested_payment.updated",
        "task.created",
        "task.deleted",
        "task.updated",
    }
)


# Events no published webhook names: they only feed subscriptions (chat's live lists and
# conversation screens). Webhook endpoints cannot subscribe to them (webhooks validate
# against EVENT_TYPES), so no delivery is ever written for them.
INTERNAL_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "conversation.updated",
        "conversation_membership.updated",
        # Edits of a filled-out form: no documented webhook, but formAnswerGroupModifiedSubscription follows them.
        "form_answer_group.updated",
    }
)


def resource_type_for(event_type: str) -> str:
    return RESOURCE_TYPES[event_type.rsplit(".", 1)[0]]
