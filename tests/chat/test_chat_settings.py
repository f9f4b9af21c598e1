"""Chat settings: create, update, read; providers only; ugly values refused whole."""

from __future__ import annotations

import pytest

from apps.chat.models import ChatSetting
from tests.conftest import data_of

pytestmark = pytest.mark.django_db

FIELDS = """id user_id is_active content start_date end_date no_end_date scheduled_turned_on recurring_turned_on
  is_recurring_active recurring_content receive_notifications receive_notifications_recurring send_auto_welcome
  auto_welcome_text hide_close_confirmation hide_org_chat_confirmation recurring_all_day recurring_start_time
  recurring_end_time recurring_monday recurring_tuesday recurring_wednesday recurring_thursday recurring_friday
  recurring_saturday recurring_sunday recurring_days_data { id day_ranges { days time_range } }"""
CREATE = f"""mutation($input: createChatSettingInput) {{ createChatSetting(input: $input) {{
  chatSetting {{ {FIELDS} }} messages {{ field message }} }} }}"""
UPDATE = f"""mutation($input: updateChatSettingInput) {{ updateChatSetting(input: $input) {{
  chatSetting {{ {FIELDS} }} messages {{ field message }} }} }}"""


def test_create_read_update(gql, world, keys):
    created = data_of(gql(CREATE, {"input": {
        "is_active": True, "content": "Away until Monday", "start_date": "2031-03-01 09:00:00",
        "end_date": "2031-03-03T17:00:00-05:00", "recurring_turned_on": True, "recurring_content": "After hours",
        "recurring_days_data": {"day_ranges": [{"days": ["Monday", "tuesday"], "time_range": "18:00-08:00"}]},
        "send_auto_welcome": True, "auto_welcome_text": "Welcome!",
    }}, key=keys["provider"]))["createChatSetting"]
    assert created["messages"] == []
    setting = created["chatSetting"]
    record = ChatSetting.objects.get(user=world.provider)
    assert setting["id"] == str(record.pk) and setting["user_id"] == str(world.provider.pk)
    # The provider's timezone (America/New_York) reads local times; output is UTC.
    assert setting["start_date"] == "2031-03-01 14:00:00 +0000"
    assert setting["end_date"] == "2031-03-03 22:00:00 +0000"
    assert (setting["recurring_monday"], setting["recurring_tuesday"], setting["recurring_sunday"]) == (
        "18:00-08:00", "18:00-08:00", None)
    assert setting["recurring_days_data"] == {"id": str(record.pk), "day_ranges": [
        {"days": ["monday", "tuesday"], "time_range": "18:00-08:00"}]}
    assert setting["is_recurring_active"] is True and setting["receive_notifications"] is True
    again = data_of(gql(CREATE, {"input": {"content": "x"}}, key=keys["provider"]))["createChatSetting"]
    assert again["chatSetting"] is None and again["messages"][0]["field"] == "user_id"
    read = data_of(gql("{ chatSetting { id content } }", key=keys["provider"]))
    assert read == {"chatSetting": {"id": str(record.pk), "content": "Away until Monday"}}
    updated = data_of(gql(UPDATE, {"input": {"id": str(record.pk), "is_active": False, "no_end_date": True,
                                             "is_recurring_active": False}}, key=keys["provider"]))
    assert updated["updateChatSetting"]["messages"] == []
    assert updated["updateChatSetting"]["chatSetting"]["is_active"] is False
    assert updated["updateChatSetting"]["chatSetting"]["recurring_turned_on"] is False
    assert updated["updateChatSetting"]["chatSetting"]["content"] == "Away until Monday"


def test_update_without_a_setting_starts_from_defaults(gql, world, keys):
    assert data_of(gql("{ chatSetting { id } }", key=keys["staff"])) == {"chatSetting": None}
    result = data_of(gql(UPDATE, {"input": {"content": "Out today"}}, key=keys["staff"]))["updateChatSetting"]
    assert result["messages"] == [] and result["chatSetting"]["content"] == "Out today"


def test_scope(gql, world, keys, other_keys):
    mine = data_of(gql(CREATE, {"input": {"content": "Mine"}}, key=keys["provider"]))["createChatSetting"]
    sid = mine["chatSetting"]["id"]
    for key in (keys["staff"], other_keys["owner"]):
        refused = data_of(gql(UPDATE, {"input": {"id": sid, "content": "Hijacked"}}, key=key))["updateChatSetting"]
        assert refused == {"chatSetting": None, "messages": [{"field": "id", "message": "Chat setting not found."}]}
        missing = gql("query($id: ID) { chatSetting(id: $id) { id } }", {"id": sid}, key=key)
        assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # The owner (an admin) reads and changes their providers' settings.
    by_user = data_of(gql("query($u: ID) { chatSetting(user_id: $u) { content } }",
                          {"u": str(world.provider.pk)}, key=keys["owner"]))
    assert by_user == {"chatSetting": {"content": "Mine"}}
    patient = gql(CREATE, {"input": {"content": "x"}}, key=keys["patient"])
    assert patient["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert ChatSetting.objects.get().content == "Mine"


@pytest.mark.parametrize("values, field", [
    ({"start_date": "tomorrow"}, "start_date"),
    ({"start_date": "2031-03-05 09:00:00", "end_date": "2031-03-01 09:00:00"}, "end_date"),
    ({"recurring_days_data": {"day_ranges": [{"days": ["Funday"], "time_range": "09:00-10:00"}]}},
     "recurring_days_data"),
    ({"recurring_days_data": {"day_ranges": [{"days": ["monday"], "time_range": "25:00-26:00"}]}},
     "recurring_days_data"),
    ({"recurring_days_data": {"id": "424242", "day_ranges": []}}, "recurring_days_data.id"),
    ({"content": "x" * 20_000}, "content"),
    ({"user_id": "99999"}, "user_id"),
])
def test_ugly_values_write_nothing(gql, world, keys, values, field):
    result = data_of(gql(CREATE, {"input": values}, key=keys["provider"]))["createChatSetting"]
    assert result["chatSetting"] is None and result["messages"][0]["field"] == field
    assert not ChatSetting.objects.exists()


def test_wrong_types_are_bad_user_input(gql, world, keys):
    result = gql(CREATE, {"input": {"is_active": "yes"}}, key=keys["provider"])
    assert result.get("data") is None and result["errors"]
    assert not ChatSetting.objects.exists()
