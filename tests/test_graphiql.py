"""GraphiQL works offline: the page references only assets this server serves."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from schema.graphiql import ASSETS

REFERENCE = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def _page() -> str:
    response = Client().get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_and_every_asset_it_references_load_from_this_server():
    page = _page()
    references = REFERENCE.findall(page)
    assert len(references) == len(ASSETS)  # each packaged asset is used, nothing else
    for url in references:
        assert url.startswith("/graphiql/"), f"{url} is not served by this server"
        response = Client().get(url)
        assert response.status_code == 200, url
        expected = "text/css" if url.endswith(".css") else "text/javascript"
        assert response["Content-Type"].startswith(expected)
        assert len(response.content) > 1000, url
    assert "https://" not in page and "http://" not in page  # no CDN, no third-party origin


def test_the_page_wires_graphiql_to_this_api():
    page = _page()
    assert "GraphiQL.createFetcher" in page and "graphqlWs.createClient" in page
    assert '"/subscriptions"' in page


@pytest.mark.parametrize("name", ["../settings.py", "graphiql.min.js.map", "%2e%2e%2fapps.py", "x"])
def test_only_the_listed_assets_are_served(name):
    assert Client().get(f"/graphiql/{name}").status_code == 404
