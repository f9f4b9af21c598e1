from django.urls import path

from apps.billing import views

urlpatterns = [
    path("stripe/webhooks/<str:organization_id>", views.stripe_webhook, name="stripe-webhook"),
]
