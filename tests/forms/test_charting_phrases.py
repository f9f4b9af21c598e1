"""Smart phrases, the published mutations of absent features, and flat SQL counts of lists."""

from __future__ import annotations

import pytest

from apps.forms.models import FormAnswerGroupSigning, SmartPhrase
from tests import factories
from tests.conftest import data_of, error_codes
from tests.forms.test_charting import chart_template, note

pytestmark = pytest.mark.django_db

CREATE = """mutation($n: String, $p: String) { createSmartPhrase(input: {name: $n, phrase: $p}) {
  smartPhrase { id name phrase user { id } created_at updated_at } messages { field message } } }"""
UPDATE = """mutation($id: ID, $n: String, $p: String) { updateSmartPhrase(input: {id: $id, name: $n, phrase: $p}) {
  smartPhrase { id name phrase } messages { field message } } }"""
DELETE = """mutation($id: ID) { deleteSmartPhrase(input: {id: $id}) { smartPhrase { id } messages { field } } }"""
LIST = """query($k: String, $o: SmartPhraseOrderKeys) { smartPhrases(keywords: $k, order_by: $o) { id name }
  smartPhrasesCount(keywords: $k) }"""


def test_smart_phrase_lifecycle(gql, keys, world):
    body = data_of(gql(CREATE, {"n": " Normal exam ", "p": "Lungs clear."}, key=keys["provider"]))
    phrase = body["createSmartPhrase"]["smartPhrase"]
    assert body["createSmartPhrase"]["messages"] == []
    assert phrase["name"] == "Normal exam" and phrase["phrase"] == "Lungs clear."
    assert phrase["user"] == {"id": str(world.provider.pk)}
    data_of(gql(CREATE, {"n": "Allergies", "p": "NKDA"}, key=keys["provider"]))
    listed = data_of(gql(LIST, {}, key=keys["provider"]))
    assert [r["name"] for r in listed["smartPhrases"]] == ["Allergies", "Normal exam"]
    assert listed["smartPhrasesCount"] == 2
    desc = data_of(gql(LIST, {"o": "NAME_DESC"}, key=keys["provider"]))["smartPhrases"]
    assert [r["name"] for r in desc] == ["Normal exam", "Allergies"]
    found = data_of(gql(LIST, {"k": "lungs"}, key=keys["provider"]))
    assert found == {"smartPhrases": [{"id": phrase["id"], "name": "Normal exam"}], "smartPhrasesCount": 1}
    updated = data_of(gql(UPDATE, {"id": phrase["id"], "p": "Lungs clear bilaterally."},
                          key=keys["provider"]))["updateSmartPhrase"]
    assert updated["smartPhrase"] == {"id": phrase["id"], "name": "Normal exam", "phrase": "Lungs clear bilaterally."}
    # A colleague does not see another's unshared phrase, and cannot change it.
    assert data_of(gql(LIST, {}, key=keys["owner"]))["smartPhrasesCount"] == 0
    assert data_of(gql(DELETE, {"id": phrase["id"]}, key=keys["owner"]))["deleteSmartPhrase"]["messages"]
    SmartPhrase.objects.filter(pk=phrase["id"]).update(is_shared=True)
    assert data_of(gql(LIST, {}, key=keys["owner"]))["smartPhrasesCount"] == 1
    refused = data_of(gql(UPDATE, {"id": phrase["id"], "n": "Mine"}, key=keys["owner"]))["updateSmartPhrase"]
    assert refused["smartPhrase"] is None and refused["messages"][0]["field"] == "id"
    deleted = data_of(gql(DELETE, {"id": phrase["id"]}, key=keys["provider"]))["deleteSmartPhrase"]
    assert deleted == {"smartPhrase": {"id": phrase["id"]}, "messages": []}
    assert SmartPhrase.objects.count() == 1


@pytest.mark.parametrize(("name", "text", "field"), [
    (None, "x", "name"), ("", "x", "name"), ("  ", "x", "name"), ("x" * 256, "x", "name"),
    ("n", None, "phrase"), ("n", "\x00", "phrase"), ("n", "y" * 20_001, "phrase"),
])
def test_smart_phrase_ugly_input(gql, keys, name, text, field):
    body = data_of(gql(CREATE, {"n": name, "p": text}, key=keys["provider"]))["createSmartPhrase"]
    assert body["smartPhrase"] is None and field in [m["field"] for m in body["messages"]]
    assert not SmartPhrase.objects.exists()


def test_smart_phrases_are_members_only_and_per_organization(gql, keys, other_keys, world):
    assert error_codes(gql(CREATE, {"n": "a", "p": "b"}, key=keys["patient"])) == ["FORBIDDEN"]
    assert data_of(gql(LIST, {}, key=keys["patient"])) == {"smartPhrases": [], "smartPhrasesCount": 0}
    mine = SmartPhrase.objects.create(organization=world.org, user=world.provider, name="a", text="b", is_shared=True)
    assert data_of(gql(LIST, {}, key=other_keys["owner"]))["smartPhrasesCount"] == 0
    foreign = data_of(gql(UPDATE, {"id": str(mine.pk), "n": "x"}, key=other_keys["owner"]))["updateSmartPhrase"]
    missing = data_of(gql(UPDATE, {"id": "999999", "n": "x"}, key=other_keys["owner"]))["updateSmartPhrase"]
    assert foreign == missing
    bad_order = gql('{ smartPhrases(order_by: NOPE) { id } }', key=keys["provider"])
    assert bad_order["errors"]


def test_absent_features_answer_a_message(gql, keys, world):
    for mutation, name in (
        ('convertGeneratedFormAnswerGroup(input: {id: "1"}) { form_answer_group { id } '
         'generated_form_answer_group { id } messages { field message } }', "convertGeneratedFormAnswerGroup"),
        ('rejectGeneratedFormAnswerGroup(input: {id: "1", rejection_reason: [MISSING_DETAILS]}) '
         '{ generated_form_answer_group { id } messages { message } }', "rejectGeneratedFormAnswerGroup"),
        ('updateGeneratedFormAnswerGroupFeedback(input: {id: "1", feedback: "ok"}) '
         '{ generated_form_answer_group { id } messages { message } }', "updateGeneratedFormAnswerGroupFeedback"),
        ('createDraft(input: {content: "hi"}) { draft { id } messages { message } }', "createDraft"),
        ('removeDraft(input: {id: "1"}) { draft { id } messages { message } }', "removeDraft"),
        (f'unsubscribeFromNotification(input: {{user_id: "{world.owner.pk}"}}) {{ notificationSettingUpdated '
         'messages { message } }', "unsubscribeFromNotification"),
    ):
        body = data_of(gql("mutation { " + mutation + " }", key=keys["owner"]))[name]
        assert "not available" in body["messages"][0]["message"].lower()
        assert not any(v for k, v in body.items() if k != "messages")
    missing = data_of(gql('mutation { createDraft(input: {conversation_membership_id: "999999"}) '
                          '{ messages { field code } } }', key=keys["owner"]))["createDraft"]["messages"]
    assert missing == [{"field": "conversation_membership_id", "code": "NOT_FOUND"}]
    queries = data_of(gql('{ draft(conversation_membership_id: "1") { id } '
                          'formHistories(patient_id: "1", sourceable_type: OnboardingItem) { id action } }',
                          key=keys["owner"]))
    assert queries == {"draft": None, "formHistories": []}


@pytest.mark.parametrize(("query", "root"), [
    ("""query($n: Int) { chartNotes(page_size: $n) { id name locked_at user { id first_name } filler { id } } }""",
     "chartNotes"),
    ("""query($n: Int) { smartPhrases(page_size: $n) { id name phrase user { id first_name } } }""", "smartPhrases"),
])
def test_list_sql_count_is_flat(gql, keys, world, count_queries, query, root):
    form = chart_template(world.org)
    providers = [factories.member(world.org) for _ in range(3)]
    for n in range(12):
        group = note(form, world.patients[n % 3], providers[n % 3])
        FormAnswerGroupSigning.objects.create(form_answer_group=group, user=providers[n % 3])
        SmartPhrase.objects.create(organization=world.org, user=providers[n % 3], name=f"p{n}", text="t",
                                   is_shared=True)
    data_of(gql("{ smartPhrasesCount }", key=keys["owner"]))  # the key's first use records last_used_at
    small, small_count = count_queries(lambda: data_of(gql(query, {"n": 2}, key=keys["owner"])))
    large, large_count = count_queries(lambda: data_of(gql(query, {"n": 10}, key=keys["owner"])))
    assert len(small[root]) == 2 and len(large[root]) == 10
    assert small_count == large_count


def test_charting_items_sql_count_is_flat(gql, keys, world, count_queries):
    form = chart_template(world.org)
    query = """{ chartingItems { id name custom_module_form_name use_for_charting use_for_program signed
        provider_name filler_id form_answer_group_id form_answer_group { id user { id } } } }"""

    data_of(gql("{ smartPhrasesCount }", key=keys["owner"]))  # the key's first use records last_used_at

    def rows(n: int) -> int:
        for _ in range(n):
            group = note(form, world.patients[0], factories.member(world.org))
            FormAnswerGroupSigning.objects.create(form_answer_group=group, user=world.owner)
        result, count = count_queries(lambda: data_of(gql(query, key=keys["owner"])))
        return count

    assert rows(2) == rows(8)
