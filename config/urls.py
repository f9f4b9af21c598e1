from django.urls import include, path

from apps.core.views import health, healthz, readyz
from schema import graphiql
from schema.schema import schema
from schema.views import GraphQLView

urlpatterns = [
    # Multipart requests (the GraphQL multipart request spec, for the Upload scalar) are safe to
    # accept without CSRF tokens: credentials travel only in the Authorization header, which a
    # cross-site form cannot set, and anonymous callers cannot run the mutations that take files.
    path("graphql", GraphQLView.as_view(schema=schema, multipart_uploads_enabled=True)),
    path("graphql/", GraphQLView.as_view(schema=schema, multipart_uploads_enabled=True)),
    path("graphiql/<str:name>", graphiql.asset),
    path("healthz", healthz),
    path("readyz", readyz),
    path("api/health", health),
    path("", include("apps.accounts.urls")),
    path("", include("apps.scheduling.urls")),
    path("", include("apps.chat.urls")),
    path("", include("apps.forms.urls")),
    path("", include("apps.uploads.urls")),
    path("", include("apps.billing.urls")),
]
