"""Charting: locking, signing, addenda and who may do each; isolation of chart notes."""

from __future__ import annotations

import pytest

from apps.accounts.viewer import Viewer
from apps.core.errors import ValidationFailed
from apps.events.models import Event
from apps.forms.models import (
    ChartingNoteAddendum,
    CustomModule,
    CustomModuleForm,
    FormAnswer,
    FormAnswerGroup,
    FormAnswerGroupSigning,
)
from apps.forms.services.charting import ensure_editable
from tests import factories
from tests.conftest import data_of, error_codes

pytestmark = pytest.mark.django_db


def chart_template(org, name="SOAP note", questions=("Subjective", "Plan")) -> CustomModuleForm:
    form = CustomModuleForm.objects.create(organization=org, name=name, use_for_charting=True)
    for position, label in enumerate(questions):
        CustomModule.objects.create(custom_module_form=form, mod_type="textarea", label=label, position=position)
    return form


def note(form, patient, filler, answers=("Feels better", "Walk daily"), **fields) -> FormAnswerGroup:
    group = FormAnswerGroup.objects.create(organization=form.organization, custom_module_form=form, user=patient,
                                           filler=filler, name=form.name, finished=True, **fields)
    for module, text in zip(form.custom_modules.all(), answers, strict=False):
        FormAnswer.objects.create(form_answer_group=group, custom_module=module, user=filler, answer=text)
    return group


LOCK = """mutation($id: ID!) { lockFormAnswerGroup(input: {id: $id}) {
  form_answer_group { id locked_at } messages { field message code } } }"""
UNLOCK = """mutation($id: ID!, $d: String!) { unlockFormAnswerGroup(input: {id: $id, description: $d}) {
  form_answer_group { id locked_at } messages { field message } } }"""
SIGN = """mutation($id: ID!) { signFormAnswerGroup(input: {id: $id}) {
  form_answer_group { id locked_at } form_answer_group_signing { id user { id } user_full_legal_name
  form_answer_group_id } messages { field message } } }"""
CO_SIGN = """mutation($g: ID, $u: ID) { createFormAnswerGroupSigning(input: {form_answer_group_id: $g, user_id: $u}) {
  formAnswerGroupSigning { id user { id } created_at } messages { field message code } } }"""
ADDENDUM = """mutation($g: ID, $c: String) { createAddendum(input: {form_answer_group_id: $g, content: $c}) {
  addendum { id content user { id } form_answer_group { id } created_at } messages { field message code } } }"""


@pytest.fixture
def chart(world):
    form = chart_template(world.org)
    return note(form, world.patients[0], world.provider)


def test_filler_locks_own_note_and_event_is_emitted(gql, keys, chart):
    body = data_of(gql(LOCK, {"id": str(chart.pk)}, key=keys["provider"]))["lockFormAnswerGroup"]
    assert body["messages"] == [] and body["form_answer_group"]["locked_at"]
    chart.refresh_from_db()
    assert chart.is_locked and chart.locked_by_id == chart.filler_id
    assert list(Event.objects.filter(event_type="form_answer_group.locked").values_list("resource_id", flat=True)) \
        == [str(chart.pk)]
    again = data_of(gql(LOCK, {"id": str(chart.pk)}, key=keys["provider"]))["lockFormAnswerGroup"]
    assert again["form_answer_group"] is None and again["messages"][0]["field"] == "id"


def test_who_may_lock_others_notes(gql, keys, world, chart):
    colleague = factories.member(world.org, first_name="Cora")
    result = gql(LOCK, {"id": str(chart.pk)}, key=factories.api_key(colleague))
    assert error_codes(result) == ["FORBIDDEN"]
    chart.refresh_from_db()
    assert not chart.is_locked
    # The permission flag, or being the owner, allows it.
    allowed = factories.member(world.org, can_lock_others_charting_notes=True)
    assert data_of(gql(LOCK, {"id": str(chart.pk)}, key=factories.api_key(allowed)))["lockFormAnswerGroup"][
        "messages"] == []
    body = data_of(gql(UNLOCK, {"id": str(chart.pk), "d": "Late correction"}, key=keys["owner"]))
    assert body["unlockFormAnswerGroup"]["messages"] == []
    # A filler without the own-notes permission cannot lock their own note.
    restricted = factories.member(world.org, can_lock_own_charting_notes=False)
    own = note(chart.custom_module_form, world.patients[1], restricted)
    assert error_codes(gql(LOCK, {"id": str(own.pk)}, key=factories.api_key(restricted))) == ["FORBIDDEN"]


def test_patient_cannot_lock(gql, keys, chart):
    assert error_codes(gql(LOCK, {"id": str(chart.pk)}, key=keys["patient"])) == ["FORBIDDEN"]


def test_unlock_needs_a_reason_and_keeps_it(gql, keys, chart):
    data_of(gql(LOCK, {"id": str(chart.pk)}, key=keys["provider"]))
    for blank in ("", "   "):
        body = data_of(gql(UNLOCK, {"id": str(chart.pk), "d": blank}, key=keys["provider"]))["unlockFormAnswerGroup"]
        assert body["form_answer_group"] is None and body["messages"][0]["field"] == "description"
    body = data_of(gql(UNLOCK, {"id": str(chart.pk), "d": "Wrong dose"}, key=keys["provider"]))
    assert body["unlockFormAnswerGroup"]["form_answer_group"]["locked_at"] is None
    chart.refresh_from_db()
    assert not chart.is_locked and chart.metadata["unlocks"][0]["description"] == "Wrong dose"
    not_locked = data_of(gql(UNLOCK, {"id": str(chart.pk), "d": "x"}, key=keys["provider"]))
    assert not_locked["unlockFormAnswerGroup"]["messages"][0]["field"] == "id"


def test_locked_note_refuses_edits_but_takes_addenda(gql, keys, chart):
    ensure_editable(chart)  # unlocked: fine
    early = data_of(gql(ADDENDUM, {"g": str(chart.pk), "c": "Later"}, key=keys["provider"]))["createAddendum"]
    assert early["addendum"] is None and early["messages"][0]["field"] == "form_answer_group_id"
    data_of(gql(LOCK, {"id": str(chart.pk)}, key=keys["provider"]))
    chart.refresh_from_db()
    with pytest.raises(ValidationFailed):
        ensure_editable(chart)
    body = data_of(gql(ADDENDUM, {"g": str(chart.pk), "c": "  Patient called back.  "},
                       key=keys["owner"]))["createAddendum"]
    assert body["messages"] == [] and body["addendum"]["content"] == "Patient called back."
    assert body["addendum"]["form_answer_group"]["id"] == str(chart.pk)
    addendum_id = body["addendum"]["id"]
    one = data_of(gql("query($id: ID) { chartingNoteAddendum(id: $id) { id content user { id } } }",
                      {"id": addendum_id}, key=keys["provider"]))["chartingNoteAddendum"]
    owner_id = str(chart.organization.owner_id)
    assert one == {"id": addendum_id, "content": "Patient called back.", "user": {"id": owner_id}}
    update = data_of(gql("""mutation($id: ID) { updateAddendum(input: {id: $id, content: "x"}) {
        addendum { id } messages { field message } } }""", {"id": addendum_id}, key=keys["owner"]))["updateAddendum"]
    assert update["addendum"] is None and update["messages"][0]["field"] == "id"
    assert ChartingNoteAddendum.objects.get(pk=addendum_id).content == "Patient called back."


@pytest.mark.parametrize("content", [None, "", "   ", "a\x00b", "x" * 20_001])
def test_addendum_ugly_content(gql, keys, chart, content):
    data_of(gql(LOCK, {"id": str(chart.pk)}, key=keys["provider"]))
    body = data_of(gql(ADDENDUM, {"g": str(chart.pk), "c": content}, key=keys["provider"]))["createAddendum"]
    assert body["addendum"] is None and body["messages"][0]["field"] == "content"
    assert not ChartingNoteAddendum.objects.exists()


def test_sign_signs_once_and_locks(gql, keys, world, chart):
    body = data_of(gql(SIGN, {"id": str(chart.pk)}, key=keys["provider"]))["signFormAnswerGroup"]
    assert body["messages"] == [] and body["form_answer_group"]["locked_at"]
    signing = body["form_answer_group_signing"]
    assert signing["user"] == {"id": str(world.provider.pk)} and signing["form_answer_group_id"] == str(chart.pk)
    assert signing["user_full_legal_name"]
    assert set(Event.objects.values_list("event_type", flat=True)) == {"form_answer_group.signed",
                                                                       "form_answer_group.locked"}
    twice = data_of(gql(SIGN, {"id": str(chart.pk)}, key=keys["provider"]))["signFormAnswerGroup"]
    assert twice["form_answer_group_signing"] is None and twice["messages"][0]["field"] == "id"
    # A co-signer adds their signature to the locked note.
    co = data_of(gql(CO_SIGN, {"g": str(chart.pk)}, key=keys["owner"]))["createFormAnswerGroupSigning"]
    assert co["messages"] == [] and co["formAnswerGroupSigning"]["user"] == {"id": str(world.owner.pk)}
    assert FormAnswerGroupSigning.objects.filter(form_answer_group=chart).count() == 2
    status = data_of(gql("""query($s: ChartNoteStatus) { chartNotes(chart_note_status: $s) { id }
        chartNotesCount(chart_note_status: $s) }""", {"s": "CO_SIGNED_AND_LOCKED"}, key=keys["owner"]))
    assert status == {"chartNotes": [{"id": str(chart.pk)}], "chartNotesCount": 1}
    # A signature on a locked note stays.
    delete = data_of(gql("""mutation($id: ID) { deleteFormAnswerGroupSigning(input: {id: $id}) {
        formAnswerGroupSigning { id } messages { field } } }""", {"id": co["formAnswerGroupSigning"]["id"]},
                         key=keys["owner"]))["deleteFormAnswerGroupSigning"]
    assert delete["formAnswerGroupSigning"] is None and delete["messages"][0]["field"] == "id"


def test_cosigning_only_as_oneself_and_once(gql, keys, world, chart):
    other = data_of(gql(CO_SIGN, {"g": str(chart.pk), "u": str(world.owner.pk)},
                        key=keys["provider"]))["createFormAnswerGroupSigning"]
    assert other["formAnswerGroupSigning"] is None and other["messages"][0]["field"] == "user_id"
    first = data_of(gql(CO_SIGN, {"g": str(chart.pk), "u": str(world.provider.pk)},
                        key=keys["provider"]))["createFormAnswerGroupSigning"]
    assert first["messages"] == []
    second = data_of(gql(CO_SIGN, {"g": str(chart.pk)}, key=keys["provider"]))["createFormAnswerGroupSigning"]
    assert second["messages"][0]["field"] == "form_answer_group_id"
    assert FormAnswerGroupSigning.objects.count() == 1
    # The signer withdraws it while the note is unlocked; nobody else can.
    signing_id = first["formAnswerGroupSigning"]["id"]
    delete = """mutation($id: ID) { deleteFormAnswerGroupSigning(input: {id: $id}) {
        formAnswerGroupSigning { id } messages { field } } }"""
    assert data_of(gql(delete, {"id": signing_id}, key=keys["owner"]))["deleteFormAnswerGroupSigning"][
        "messages"][0]["field"] == "id"
    body = data_of(gql(delete, {"id": signing_id}, key=keys["provider"]))["deleteFormAnswerGroupSigning"]
    assert body == {"formAnswerGroupSigning": {"id": signing_id}, "messages": []}
    assert not FormAnswerGroupSigning.objects.exists()


@pytest.mark.parametrize("bad_id", ["abc", "-1", "0", "1.5", "１", " 1", "9" * 30, "999999"])
def test_ugly_ids_are_not_found(gql, keys, chart, bad_id):
    for query, name in ((LOCK, "lockFormAnswerGroup"), (SIGN, "signFormAnswerGroup")):
        body = data_of(gql(query, {"id": bad_id}, key=keys["owner"]))[name]
        assert body["messages"][0]["field"] == "id"
    body = data_of(gql(ADDENDUM, {"g": bad_id, "c": "x"}, key=keys["owner"]))["createAddendum"]
    assert body["messages"][0]["field"] == "form_answer_group_id"
    assert not Event.objects.exists()


def test_other_organization_and_hidden_patient_look_missing(gql, keys, other_keys, world, chart):
    missing = data_of(gql(LOCK, {"id": "999999"}, key=keys["owner"]))["lockFormAnswerGroup"]["messages"]
    foreign = data_of(gql(LOCK, {"id": str(chart.pk)}, key=other_keys["owner"]))["lockFormAnswerGroup"]["messages"]
    assert foreign == missing
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False,
                                                    can_lock_others_charting_notes=True))
    hidden = data_of(gql(LOCK, {"id": str(chart.pk)}, key=restricted))["lockFormAnswerGroup"]["messages"]
    assert hidden == missing
    assert data_of(gql(CO_SIGN, {"g": str(chart.pk)}, key=restricted))["createFormAnswerGroupSigning"][
        "messages"][0]["code"] == "NOT_FOUND"
    for key in (other_keys["owner"], restricted):
        lists = data_of(gql("{ chartNotes { id } chartNotesCount chartingItems { id } }", key=key))
        assert lists == {"chartNotes": [], "chartNotesCount": 0, "chartingItems": []}
    chart.refresh_from_db()
    assert not chart.is_locked and not FormAnswerGroupSigning.objects.exists()


def test_drafts_of_others_are_hidden(gql, keys, world):
    form = chart_template(world.org)
    draft = note(form, world.patients[0], world.owner, is_draft=True)
    assert data_of(gql("{ chartNotes { id } }", key=keys["provider"]))["chartNotes"] == []
    assert data_of(gql("{ chartNotes { id } }", key=keys["owner"]))["chartNotes"] == [{"id": str(draft.pk)}]
    assert data_of(gql(LOCK, {"id": str(draft.pk)}, key=keys["owner"]))["lockFormAnswerGroup"]["messages"]


def test_chart_notes_and_charting_items_filters(gql, keys, world):
    form = chart_template(world.org)
    intake = CustomModuleForm.objects.create(organization=world.org, name="Intake")
    a = note(form, world.patients[0], world.provider)
    b = note(form, world.patients[1], world.owner)
    c = note(intake, world.patients[0], world.provider)
    ids = lambda rows: {r["id"] for r in rows}  # noqa: E731
    q = """query($u: ID, $p: [ID], $f: [ID!]) { chartNotes(user_id: $u, provider_ids: $p, custom_module_form_ids: $f) {
        id } }"""
    assert ids(data_of(gql(q, {}, key=keys["owner"]))["chartNotes"]) == {str(a.pk), str(b.pk)}
    assert ids(data_of(gql(q, {"u": str(world.patients[0].pk)}, key=keys["owner"]))["chartNotes"]) == {str(a.pk)}
    assert ids(data_of(gql(q, {"p": [str(world.owner.pk)]}, key=keys["owner"]))["chartNotes"]) == {str(b.pk)}
    items = data_of(gql("""query($u: ID) { chartingItems(user_id: $u) { id form_answer_group_id name
        custom_module_form_name use_for_charting signed is_document is_generated provider_name filler_id
        form_answer_group { id } } }""", {"u": str(world.patients[0].pk)}, key=keys["owner"]))["chartingItems"]
    assert ids(items) == {str(a.pk), str(c.pk)}
    by_id = {r["id"]: r for r in items}
    assert by_id[str(c.pk)]["use_for_charting"] is False and by_id[str(a.pk)]["use_for_charting"] is True
    assert by_id[str(a.pk)]["signed"] is False and by_id[str(a.pk)]["provider_name"]
    keyword = data_of(gql('{ chartingItems(keywords: "intake") { id } }', key=keys["owner"]))["chartingItems"]
    assert ids(keyword) == {str(c.pk)}
    bad = gql('{ chartNotes(start_date: "not a date") { id } }', key=keys["owner"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    bad = gql('{ chartingItems(date: "2024-13-45") { id } }', key=keys["owner"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]


def test_patient_sees_only_own_forms_in_chart(gql, keys, world):
    form = chart_template(world.org)
    mine = note(form, world.patients[0], world.provider)
    note(form, world.patients[1], world.provider)
    rows = data_of(gql("{ chartingItems { id } }", key=keys["patient"]))["chartingItems"]
    assert rows == [{"id": str(mine.pk)}]


def test_service_viewer_helper_is_shared(world, chart):
    # The selector the schema uses and the one the services use agree on visibility.
    from apps.forms.selectors.charting import visible_answer_groups

    assert list(visible_answer_groups(Viewer(user=world.provider))) == [chart]
    assert list(visible_answer_groups(Viewer())) == []
