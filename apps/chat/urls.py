from django.urls import path

from apps.chat import views

urlpatterns = [
    path("chat/attachments/<str:token>", views.attachment, name="chat-attachment"),
]
