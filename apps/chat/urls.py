from django.urls import path

from apps.chat import views

urlpatterns = [
    path("chat/attachments", views.attachment, name="chat-attachment"),
]
