"""Chart notes as PDF: the document is well-formed and carries the answers."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from apps.accounts.viewer import Viewer
from apps.core.errors import NotFound, ValidationFailed
from apps.forms import pdf
from apps.forms.models import ChartingNoteAddendum
from apps.forms.services.charting import charting_pdf
from tests import factories
from tests.conftest import data_of
from tests.forms.test_charting import chart_template, note

pytestmark = pytest.mark.django_db


def parse_pdf(document: bytes) -> str:
    """The text of every page, read back by an independent parser (pypdf), which also checks the
    file's structure (header, cross-reference table, trailer) as it loads it."""
    reader = PdfReader(io.BytesIO(document), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_render_escapes_wraps_and_paginates():
    long_answer = "word " * 2000
    document = pdf.render([pdf.Section("Note (draft) \\ v2", [("Patient", "Zoë")],
                                       [("Plan", long_answer), ("Emoji", "ok 🙂")], ["Addendum text"])])
    text = parse_pdf(document)
    assert "Note (draft) \\ v2" in text and "Patient: Zoë" in text and "Addendum text" in text
    assert "ok ?" in text  # outside the core fonts' Latin-1
    assert len(PdfReader(io.BytesIO(document)).pages) > 1


def test_chart_note_pdf_has_answers_signatures_and_addenda(gql, keys, world):
    form = chart_template(world.org, questions=("Subjective", "Plan"))
    group = note(form, world.patients[0], world.provider, answers=("Knee pain (left)", "Ice twice daily"))
    data_of(gql('mutation($id: ID!) { signFormAnswerGroup(input: {id: $id}) { messages { field } } }',
                {"id": str(group.pk)}, key=keys["provider"]))
    ChartingNoteAddendum.objects.create(form_answer_group=group, user=world.owner, content="Reviewed by owner")
    patient, document = charting_pdf(Viewer(user=world.owner), str(group.pk))
    assert patient == world.patients[0]
    text = parse_pdf(document)
    for expected in ("SOAP note", "Subjective", "Knee pain (left)", "Plan", "Ice twice daily", "Signed by",
                     "Reviewed by owner", world.patients[0].first_name):
        assert expected in text


def test_generate_charting_pdf_mutation(gql, keys, other_keys, world):
    form = chart_template(world.org)
    first = note(form, world.patients[0], world.provider)
    second = note(form, world.patients[0], world.owner)
    other_patient = note(form, world.patients[1], world.provider)
    mutation = """mutation($id: ID, $a: String) { generateChartingPdf(input: {id: $id, form_answer_group_array: $a}) {
        user { id } messages { field message code } } }"""
    body = data_of(gql(mutation, {"id": str(first.pk), "a": f'["{second.pk}"]'}, key=keys["owner"]))
    assert body["generateChartingPdf"] == {"user": {"id": str(world.patients[0].pk)}, "messages": []}
    mixed = data_of(gql(mutation, {"a": f"{first.pk},{other_patient.pk}"}, key=keys["owner"]))["generateChartingPdf"]
    assert mixed["user"] is None and mixed["messages"][0]["field"] == "form_answer_group_array"
    for ugly in ("[", "{}", "[null]", "abc", ",,", "[" + ",".join(["1"] * 60) + "]"):
        bad = data_of(gql(mutation, {"a": ugly}, key=keys["owner"]))["generateChartingPdf"]
        assert bad["user"] is None and bad["messages"], ugly
    nothing = data_of(gql(mutation, {}, key=keys["owner"]))["generateChartingPdf"]
    assert nothing["messages"][0]["field"] == "id"
    foreign = data_of(gql(mutation, {"id": str(first.pk)}, key=other_keys["owner"]))["generateChartingPdf"]
    assert foreign["user"] is None and foreign["messages"][0]["code"] == "NOT_FOUND"


def test_pdf_download_endpoint(client, keys, other_keys, world):
    form = chart_template(world.org)
    group = note(form, world.patients[0], world.provider, answers=("Stable", "Follow up"))
    url = f"/forms/form_answer_groups/{group.pk}/pdf"
    response = client.get(url, headers={"Authorization": f"Basic {keys['provider']}"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Follow up" in parse_pdf(response.content)
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Basic {keys['patient']}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Basic {other_keys['owner']}"}).status_code == 404
    restricted = factories.api_key(factories.member(world.org, can_see_all_clients=False))
    assert client.get(url, headers={"Authorization": f"Basic {restricted}"}).status_code == 404
    for bad in ("abc", "0", "999999"):
        assert client.get(f"/forms/form_answer_groups/{bad}/pdf",
                          headers={"Authorization": f"Basic {keys['owner']}"}).status_code == 404


def test_service_refuses_missing_and_foreign(world, other_world):
    form = chart_template(other_world.org)
    foreign = note(form, other_world.patients[0], other_world.provider)
    with pytest.raises(NotFound):
        charting_pdf(Viewer(user=world.owner), str(foreign.pk))
    with pytest.raises(ValidationFailed):
        charting_pdf(Viewer(user=world.owner))
