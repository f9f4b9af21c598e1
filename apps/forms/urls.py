from django.urls import path

from apps.forms import views

urlpatterns = [
    path("forms/form_answer_groups/<str:group_id>/pdf", views.form_answer_group_pdf, name="form-answer-group-pdf"),
]
