"""Appointment types, appointment settings and contact types through HTTP."""

from __future__ import annotations

import json

from apps.scheduling.models import AppointmentSetting, AppointmentType
from tests import factories
from tests.conftest import data_of, error_codes
from tests.scheduling.helpers import appt_type

CREATE = """mutation createAppointmentType($name: String, $length: Int, $clients_can_book: Boolean,
  $is_group: Boolean, $bookable_without_group: Boolean, $is_waitlist_enabled: Boolean, $user_group_id: String,
  $specific_groups: Boolean, $bookable_group_ids: String, $contact_type_overrides: [String],
  $appointment_setting: AppointmentTypeAppointmentSettingInput) {
  createAppointmentType(input: {name: $name, length: $length, clients_can_book: $clients_can_book,
    is_group: $is_group, bookable_without_group: $bookable_without_group, is_waitlist_enabled: $is_waitlist_enabled,
    user_group_id: $user_group_id, specific_groups: $specific_groups, bookable_group_ids: $bookable_group_ids,
    contact_type_overrides: $contact_type_overrides, appointment_setting: $appointment_setting}) {
    appointmentType { id name length is_group clients_can_book specific_groups bookable_group_ids user_group_id
      available_contact_types is_waitlist_enabled appointment_setting { buffer calendar_interval } }
    messages { field message }
  }
}"""
UPDATE = """mutation updateAppointmentType($id: ID, $name: String, $length: Int,
  $contact_type_overrides: [String], $appointment_setting: AppointmentTypeAppointmentSettingInput) {
  updateAppointmentType(input: {id: $id, name: $name, length: $length, contact_type_overrides: $contact_type_overrides,
    appointment_setting: $appointment_setting}) {
    appointmentType { id name length available_contact_types appointment_setting { buffer } }
    messages { field message }
  }
}"""
DELETE = """mutation deleteAppointmentType($id: ID) {
  deleteAppointmentType(input: { id: $id }) { appointmentType { id } messages { field message } }
}"""
GET = """query getAppointmentType($id: ID) { appointmentType(id: $id) { id name available_contact_types length } }"""
LIST = """query getAppointmentTypes($offset: Int, $should_paginate: Boolean, $page_size: Int, $keywords: String,
  $show_group: Boolean, $provider_id: String, $clients_can_book: Boolean, $appointment_type_ids: String,
  $with_deleted_appt_types: Boolean) {
  appointmentTypesCount(keywords: $keywords, show_group: $show_group, provider_id: $provider_id,
    clients_can_book: $clients_can_book, appointment_type_ids: $appointment_type_ids,
    with_deleted_appt_types: $with_deleted_appt_types)
  appointmentTypes(offset: $offset, should_paginate: $should_paginate, page_size: $page_size, keywords: $keywords,
    show_group: $show_group, provider_id: $provider_id, clients_can_book: $clients_can_book,
    appointment_type_ids: $appointment_type_ids, with_deleted_appt_types: $with_deleted_appt_types) {
    id name available_contact_types length is_group is_waitlist_enabled user_group { id name }
    appointment_setting { id buffer }
  }
}"""
SETTING_FIELDS = """buffer minimum_advance_cancel_time minimum_advance_reschedule_time minimum_advance_schedule_time
  end_reminder_one_hour_before ask_clients_to_confirm"""
CREATE_SETTING = """mutation createAppointmentSetting($buffer: String, $minimum_advance_cancel_time: Int,
  $minimum_advance_reschedule_time: Int, $minimum_advance_schedule_time: Int, $end_reminder_one_hour_before: Boolean,
  $ask_clients_to_confirm: Boolean) {
  createAppointmentSetting(input: {buffer: $buffer, minimum_advance_cancel_time: $minimum_advance_cancel_time,
    minimum_advance_reschedule_time: $minimum_advance_reschedule_time,
    minimum_advance_schedule_time: $minimum_advance_schedule_time,
    end_reminder_one_hour_before: $end_reminder_one_hour_before, ask_clients_to_confirm: $ask_clients_to_confirm}) {
    appointmentSetting { SETTING_FIELDS } messages { field message }
  }
}""".replace("SETTING_FIELDS", SETTING_FIELDS)
UPDATE_SETTING = """mutation updateAppointmentSetting($id: ID, $buffer: String, $minimum_advance_cancel_time: Int,
  $minimum_advance_reschedule_time: Int, $minimum_advance_schedule_time: Int, $end_reminder_one_hour_before: Boolean,
  $ask_clients_to_confirm: Boolean) {
  updateAppointmentSetting(input: {id: $id, buffer: $buffer, minimum_advance_cancel_time: $minimum_advance_cancel_time,
    minimum_advance_reschedule_time: $minimum_advance_reschedule_time,
    minimum_advance_schedule_time: $minimum_advance_schedule_time,
    end_reminder_one_hour_before: $end_reminder_one_hour_before, ask_clients_to_confirm: $ask_clients_to_confirm}) {
    appointmentSetting { SETTING_FIELDS } messages { field message }
  }
}""".replace("SETTING_FIELDS", SETTING_FIELDS)
GET_SETTING = """query getAppointmentSetting($id: ID, $provider_id: ID) {
  appointmentSetting(id: $id, provider_id: $provider_id) { id name available_contact_types length buffer }
}"""


def test_create_update_get_delete_appointment_type(gql, world, keys):
    from apps.accounts.models import UserGroup

    group = UserGroup.objects.create(organization=world.org, name="Diabetes")
    created = data_of(gql(CREATE, {
        "name": "Initial Consultation", "length": 60, "clients_can_book": True, "is_group": False,
        "bookable_without_group": False, "is_waitlist_enabled": True, "user_group_id": str(group.pk),
        "specific_groups": True, "bookable_group_ids": str(group.pk),
        "contact_type_overrides": ["video_chat", "phone_call"],
        "appointment_setting": {"buffer": "10", "calendar_interval": "15"},
    }, key=keys["provider"]))["createAppointmentType"]
    assert created["messages"] == []
    item = created["appointmentType"]
    assert item == {"id": item["id"], "name": "Initial Consultation", "length": 60, "is_group": False,
                    "clients_can_book": True, "specific_groups": True, "bookable_group_ids": str(group.pk),
                    "user_group_id": str(group.pk), "available_contact_types": ["Healthie Video Call", "Phone Call"],
                    "is_waitlist_enabled": True, "appointment_setting": {"buffer": "10", "calendar_interval": "15"}}
    updated = data_of(gql(UPDATE, {"id": item["id"], "name": "Follow-up", "length": 30,
                                   "contact_type_overrides": ["in_person"], "appointment_setting": {"buffer": "5"}},
                          key=keys["provider"]))["updateAppointmentType"]
    assert updated == {"appointmentType": {"id": item["id"], "name": "Follow-up", "length": 30,
                                           "available_contact_types": ["In Person"],
                                           "appointment_setting": {"buffer": "5"}}, "messages": []}
    assert data_of(gql(GET, {"id": item["id"]}, key=keys["staff"]))["appointmentType"]["name"] == "Follow-up"
    deleted = data_of(gql(DELETE, {"id": item["id"]}, key=keys["provider"]))["deleteAppointmentType"]
    assert deleted == {"appointmentType": {"id": item["id"]}, "messages": []}
    assert AppointmentType.objects.get(pk=item["id"]).deleted_at is not None
    listed = data_of(gql(LIST, {}, key=keys["provider"]))
    assert listed["appointmentTypes"] == [] and listed["appointmentTypesCount"] == 0
    listed = data_of(gql(LIST, {"with_deleted_appt_types": True}, key=keys["provider"]))
    assert [t["id"] for t in listed["appointmentTypes"]] == [item["id"]]


def test_invalid_type_inputs_report_every_problem(gql, world, keys, other_world):
    from apps.accounts.models import UserGroup

    foreign_group = UserGroup.objects.create(organization=other_world.org, name="Theirs")
    result = data_of(gql(CREATE, {"name": " ", "length": 0, "user_group_id": str(foreign_group.pk),
                                  "bookable_group_ids": "1,x", "contact_type_overrides": ["fax"],
                                  "appointment_setting": {"buffer": "lots"}}, key=keys["provider"]))
    fields = {m["field"] for m in result["createAppointmentType"]["messages"]}
    assert fields == {"name", "length", "user_group_id", "bookable_group_ids", "contact_type_overrides",
                      "appointment_setting.buffer"}
    assert AppointmentType.objects.count() == 0
    # Patients cannot create types; another organization's type is not found.
    assert error_codes(gql(CREATE, {"name": "x", "length": 30}, key=keys["patient"])) == ["FORBIDDEN"]
    theirs = appt_type(other_world.org)
    assert error_codes(gql(GET, {"id": str(theirs.pk)}, key=keys["provider"])) == ["NOT_FOUND"]
    result = data_of(gql(UPDATE, {"id": str(theirs.pk), "name": "mine"}, key=keys["provider"]))
    assert result["updateAppointmentType"] == {"appointmentType": None, "messages": [
        {"field": "id", "message": "Appointment type not found."}]}
    assert AppointmentType.objects.get(pk=theirs.pk).name == "Initial Consultation"


def test_list_filters_and_constant_queries(gql, world, keys, count_queries):
    one = appt_type(world.org, name="Nutrition intake")
    two = appt_type(world.org, name="Group class", is_group=True)
    appt_type(world.org, name="Internal", clients_can_book=False)
    ids = json.dumps([str(one.pk), str(two.pk)])
    listed = data_of(gql(LIST, {"appointment_type_ids": ids, "show_group": False}, key=keys["provider"]))
    assert [t["name"] for t in listed["appointmentTypes"]] == ["Nutrition intake"]
    listed = data_of(gql(LIST, {"keywords": "group"}, key=keys["provider"]))
    assert [t["name"] for t in listed["appointmentTypes"]] == ["Group class"]
    listed = data_of(gql(LIST, {"clients_can_book": True}, key=keys["provider"]))
    assert listed["appointmentTypesCount"] == 2
    assert error_codes(gql(LIST, {"appointment_type_ids": "1,2"}, key=keys["provider"])) == ["BAD_USER_INPUT"]
    # Patients see only what they can book.
    assert data_of(gql(LIST, {}, key=keys["patient"]))["appointmentTypesCount"] == 2

    for n in range(12):
        appt_type(world.org, name=f"Type {n}")
    _, small = count_queries(lambda: data_of(gql(LIST, {"page_size": 2}, key=keys["provider"])))
    _, large = count_queries(lambda: data_of(gql(LIST, {"page_size": 14}, key=keys["provider"])))
    assert small == large


def test_group_rules_for_patient_booking(gql, world, keys):
    from apps.accounts.models import UserGroup

    group = UserGroup.objects.create(organization=world.org, name="Cardio")
    appt_type(world.org, name="Cardio only", specific_groups=True, bookable_group_ids=[group.pk])
    appt_type(world.org, name="No group only", specific_groups=True, bookable_without_group=True)
    names = lambda key: [t["name"] for t in data_of(gql(LIST, {}, key=key))["appointmentTypes"]]  # noqa: E731
    assert names(keys["patient"]) == ["No group only"]
    world.patients[0].user_group = group
    world.patients[0].save()
    assert names(keys["patient"]) == ["Cardio only"]


def test_appointment_settings_lifecycle(gql, world, keys, other_world):
    variables = {"buffer": "15", "minimum_advance_cancel_time": 24, "minimum_advance_reschedule_time": 12,
                 "minimum_advance_schedule_time": 2, "end_reminder_one_hour_before": True,
                 "ask_clients_to_confirm": True}
    created = data_of(gql(CREATE_SETTING, variables, key=keys["provider"]))["createAppointmentSetting"]
    assert created == {"appointmentSetting": {**variables}, "messages": []}
    again = data_of(gql(CREATE_SETTING, variables, key=keys["provider"]))["createAppointmentSetting"]
    assert again["appointmentSetting"] is None and again["messages"][0]["field"] == "provider_id"
    setting = AppointmentSetting.objects.get(provider=world.provider)
    updated = data_of(gql(UPDATE_SETTING, {"id": str(setting.pk), "buffer": "0", "ask_clients_to_confirm": False},
                          key=keys["provider"]))["updateAppointmentSetting"]
    assert updated["appointmentSetting"]["buffer"] == "0"
    assert updated["appointmentSetting"]["ask_clients_to_confirm"] is False
    assert updated["appointmentSetting"]["minimum_advance_cancel_time"] == 24
    bad = data_of(gql(UPDATE_SETTING, {"id": str(setting.pk), "buffer": "-5", "minimum_advance_schedule_time": 10 ** 6},
                      key=keys["provider"]))["updateAppointmentSetting"]
    assert {m["field"] for m in bad["messages"]} == {"buffer", "minimum_advance_schedule_time"}
    got = data_of(gql(GET_SETTING, {"provider_id": str(world.provider.pk)}, key=keys["owner"]))
    assert got["appointmentSetting"] == {"id": str(setting.pk), "name": None, "available_contact_types":
                                         ["Healthie Video Call", "In Person", "Phone Call"], "length": None,
                                         "buffer": "0"}
    assert data_of(gql(GET_SETTING, {"id": str(setting.pk)}, key=keys["provider"]))["appointmentSetting"]["id"]
    assert error_codes(gql(GET_SETTING, {"id": str(setting.pk)}, key=other_keys_owner(other_world))) == ["NOT_FOUND"]


def other_keys_owner(other_world) -> str:
    return factories.api_key(other_world.owner)


def test_contact_types(gql):
    assert data_of(gql("{ contactTypes }"))["contactTypes"] == ["Healthie Video Call", "In Person", "Phone Call"]
