from django.urls import path

from apps.scheduling.views import calendar_feed

urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="scheduling-calendar-feed"),
]
