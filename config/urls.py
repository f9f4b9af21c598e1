from django.urls import include, path

from apps.core.views import health, healthz, readyz
from schema import graphiql
from schema.schema import schema
from schema.views import GraphQLView

urlpatterns = [
    path("graphql", GraphQLView.as_view(schema=schema)),
    path("graphql/", GraphQLView.as_view(schema=schema)),
    path("graphiql/<str:name>", graphiql.asset),
    path("healthz", healthz),
    path("readyz", readyz),
    path("api/health", health),
    path("", include("apps.accounts.urls")),
    path("", include("apps.scheduling.urls")),
    path("", include("apps.chat.urls")),
]
