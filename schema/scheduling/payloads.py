"""Scheduling mutation payloads: the result field plus the documented ``messages``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.payloads import payload_type
from schema.scheduling.types import AppointmentObjectType, AppointmentSettingType, AppointmentTypeType, AvailabilityType

CreateAppointmentTypePayload = payload_type("createAppointmentTypePayload", appointmentType=AppointmentTypeType)
UpdateAppointmentTypePayload = payload_type("updateAppointmentTypePayload", appointmentType=AppointmentTypeType)
DeleteAppointmentTypePayload = payload_type("deleteAppointmentTypePayload", appointmentType=AppointmentTypeType)
CreateAppointmentSettingPayload = payload_type("createAppointmentSettingPayload",
                                               appointmentSetting=AppointmentSettingType)
UpdateAppointmentSettingPayload = payload_type("updateAppointmentSettingPayload",
                                               appointmentSetting=AppointmentSettingType)
CreateAvailabilityPayload = payload_type("createAvailabilityPayload", availability=AvailabilityType)
EditAvailabilityPayload = payload_type("editAvailabilityPayload", availability=AvailabilityType)
DeleteAvailabilityPayload = payload_type("deleteAvailabilityPayload", availability=AvailabilityType)
CreateAppointmentPayload = payload_type("createAppointmentPayload", appointment=AppointmentObjectType)
UpdateAppointmentPayload = payload_type("updateAppointmentPayload", appointment=AppointmentObjectType)
DeleteAppointmentPayload = payload_type("deleteAppointmentPayload", appointment=AppointmentObjectType)
if TYPE_CHECKING:
    from schema.billing.item_types import BillingItemType
    from schema.billing.package_types import UserPackageSelectionType

# Billing adds the payment to a checkout as a step (scheduling never imports billing's code).
CheckoutBillingItem = Annotated["BillingItemType", strawberry.lazy("schema.billing.item_types")]
CheckoutSelection = Annotated["UserPackageSelectionType", strawberry.lazy("schema.billing.package_types")]
CompleteCheckoutPayload = payload_type("completeCheckoutPayload", appointment=AppointmentObjectType,
                                       formAnswerGroupSaved=bool, billingItem=CheckoutBillingItem,
                                       userPackageSelection=CheckoutSelection)
CalendarFeedPayload = payload_type("calendarFeedPayload", url=str, revoked_count=int)
