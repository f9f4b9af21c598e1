"""Scheduling mutation payloads: the result field plus the documented ``messages``."""

from __future__ import annotations

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
CompleteCheckoutPayload = payload_type("completeCheckoutPayload", appointment=AppointmentObjectType,
                                       formAnswerGroupSaved=bool)
CalendarFeedPayload = payload_type("calendarFeedPayload", url=str, revoked_count=int)
