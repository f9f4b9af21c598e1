from django.urls import path

from apps.uploads import views

urlpatterns = [
    path("uploads/direct", views.direct_upload, name="uploads-direct"),
    path("files", views.download, name="uploads-download"),
]
