from django.urls import path

from apps.accounts.services.invitations import SET_PASSWORD_PATH
from apps.accounts.views import set_password

urlpatterns = [
    path(SET_PASSWORD_PATH.lstrip("/"), set_password, name="accounts-set-password"),
]
