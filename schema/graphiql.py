"""GraphiQL's scripts and styles, served from a package in the lock file.

The page (``schema/templates/graphql/graphiql.html``) references only these local URLs,
so the IDE works on a machine without internet access and no CDN sees who uses it. The
files come from ``graphene-django-graphiql-static`` (GraphiQL 2, React 17 and graphql-ws as
built files); only its static folder is used, never its Python code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

PACKAGE = "graphene_django_graphiql_static"
FOLDER = f"static/{PACKAGE}"
ASSETS: dict[str, str] = {
    "react.production.min.js": "text/javascript",
    "react-dom.production.min.js": "text/javascript",
    "graphiql.min.js": "text/javascript",
    "graphiql.min.css": "text/css",
    "graphql-ws.min.js": "text/javascript",
}


@cache
def _read(name: str) -> bytes:
    return resources.files(PACKAGE).joinpath(FOLDER, name).read_bytes()


@require_GET
def asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:  # a fixed list: no path from the URL ever reaches the file system
        raise Http404("Unknown GraphiQL asset.")
    response = HttpResponse(_read(name), content_type=f"{ASSETS[name]}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
