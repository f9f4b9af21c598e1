"""Throughput of the ``users`` GraphQL query against a hand-written SQL view serving the same JSON.

    python bench/users_throughput.py [--patients 1000] [--page-size 50] [--seconds 3] [--rounds 4]

Both sides are Django views in this one process, reached through the same Django
handler and middleware (``django.test.Client``), authenticated with the same API key
by the same code, so the difference is what the GraphQL layer costs: parsing,
validation, the strawberry-django optimizer, resolvers and serialization.

- ours:     POST /graphql  ``users(page_size, sort_by: "last_name_asc")`` with nested
            ``organization``, ``user_group`` and ``tags``.
- baseline: GET /baseline/users: two hand-written SQL statements (page of patients
            joined to organization and group; then their tags) and ``JsonResponse``.

The bodies are checked to be identical before anything is timed. Runs on a throwaway
test database: in-memory SQLite by default, or ``test_<name>`` next to the database
named by DATABASE_URL (created and dropped by the run; the named database is not touched).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The documented 250 req/s per key would throttle the benchmark itself.
os.environ["RATE_LIMIT_API_KEY_PER_SECOND"] = "100000000"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

from apps.accounts.authentication import API_KEY_PREFIX, credential_from_header, viewer_for_credential  # noqa: E402
from apps.accounts.models import (  # noqa: E402
    ApiKey,
    AppliedTag,
    Organization,
    OrganizationMembership,
    Tag,
    User,
    UserGroup,
)
from apps.core.crypto import random_token, token_hash  # noqa: E402
from config.urls import urlpatterns as project_urlpatterns  # noqa: E402

USERS_QUERY = """
query Users($page_size: Int, $offset: Int) {
  users(page_size: $page_size, offset: $offset, sort_by: "last_name_asc") {
    id first_name last_name email
    organization { id name }
    user_group { id name }
    tags { id name }
  }
}
"""

PAGE_SQL = """
SELECT u.id, u.first_name, u.last_name, u.email, o.id, o.name, g.id, g.name
FROM accounts_user u
JOIN accounts_organization o ON o.id = u.organization_id
LEFT JOIN accounts_usergroup g ON g.id = u.user_group_id
WHERE u.organization_id = %s AND u.is_patient = %s
ORDER BY LOWER(u.last_name), u.id
LIMIT %s OFFSET %s
"""

TAGS_SQL = """
SELECT a.user_id, t.id, t.name
FROM accounts_appliedtag a
JOIN accounts_tag t ON t.id = a.tag_id
WHERE a.user_id IN ({placeholders})
ORDER BY a.user_id, t.id
"""


def baseline_users(request: HttpRequest) -> JsonResponse:
    """The same page as the GraphQL query, written by hand: same auth, two SQL statements."""
    viewer = viewer_for_credential(credential_from_header(request.headers.get("Authorization")))
    if viewer is None or not viewer.is_member:
        return JsonResponse({"errors": [{"message": "unauthenticated"}]}, status=401)
    page_size = int(request.GET.get("page_size", "10"))
    offset = int(request.GET.get("offset", "0"))
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [viewer.organization_id, True, page_size, offset])
        rows = cursor.fetchall()
        tags: dict[int, list[dict[str, str]]] = {row[0]: [] for row in rows}
        if rows:
            cursor.execute(TAGS_SQL.format(placeholders=", ".join(["%s"] * len(rows))), list(tags))
            for user_id, tag_id, tag_name in cursor.fetchall():
                tags[user_id].append({"id": str(tag_id), "name": tag_name})
    users = [
        {
            "id": str(uid), "first_name": first, "last_name": last, "email": email,
            "organization": {"id": str(org_id), "name": org_name},
            "user_group": {"id": str(group_id), "name": group_name} if group_id is not None else None,
            "tags": tags[uid],
        }
        for uid, first, last, email, org_id, org_name, group_id, group_name in rows
    ]
    return JsonResponse({"data": {"users": users}})


# This module is the URLconf while the benchmark runs: the project's routes plus the baseline.
urlpatterns = [*project_urlpatterns, path("baseline/users", baseline_users)]

FIRST = ["Ada", "Bela", "Cyrus", "Dana", "Emil", "Fern", "Gus", "Hana", "Ivo", "June", "Kai", "Lena"]
LAST = ["Abbott", "Banks", "Cho", "Dubois", "Ellis", "Foster", "Hart", "Kim", "Lund", "Moreno", "Novak", "Ortiz",
        "Palmer", "Quinn", "Rahman", "Sato", "Santos", "Whitaker"]


def make_data(patients: int) -> str:
    """Two organizations of ``patients`` each (so scoping filters something); returns a provider's key."""
    key = ""
    for org_index in range(2):
        org = Organization.objects.create(name=f"Bench Org {org_index}")
        provider = User.objects.create(organization=org, is_patient=False, first_name="Pro", last_name="Vider",
                                       email=f"provider{org_index}@bench.example", password="!")
        OrganizationMembership.objects.create(organization=org, user=provider)
        org.owner = provider
        org.save(update_fields=["owner"])
        groups = [UserGroup.objects.create(organization=org, name=f"Group {i}") for i in range(4)]
        tags = [Tag.objects.create(organization=org, user=provider, name=f"Tag {i}") for i in range(8)]
        users = User.objects.bulk_create([
            User(organization=org, is_patient=True, dietitian=provider, password="!",
                 first_name=FIRST[i % len(FIRST)], last_name=f"{LAST[i % len(LAST)]}{i // len(LAST)}",
                 email=f"p{org_index}-{i}@bench.example",
                 user_group=groups[i % 5] if i % 5 < len(groups) else None)
            for i in range(patients)
        ])
        # 0 to 3 tags per patient.
        AppliedTag.objects.bulk_create([
            AppliedTag(tag=tags[(i + j) % len(tags)], user=user)
            for i, user in enumerate(users) for j in range(i % 4)
        ])
        if org_index == 0:
            key = random_token(API_KEY_PREFIX, 30)
            ApiKey.objects.create(user=provider, key_hash=token_hash(key), displayable_key=key[:7], name="bench")
    return key


def count_statements(call: Callable[[], object]) -> int:
    """SQL statements one call runs (an execute wrapper: Django resets its query log per request)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return len(statements)


def measure(call: Callable[[], object], seconds: float) -> tuple[int, float, list[float]]:
    """Calls ``call`` for about ``seconds``; returns (requests, elapsed, per-request latencies)."""
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds
    now = start
    while now < deadline:
        t0 = time.perf_counter()
        call()
        now = time.perf_counter()
        latencies.append(now - t0)
    return len(latencies), now - start, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=1000, help="patients per organization")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per side per round")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (evens out drift)")
    args = parser.parse_args()

    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args, make_data(args.patients))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args: argparse.Namespace, key: str) -> None:
    client = Client()
    auth = {"Authorization": f"Basic {key}", "AuthorizationSource": "API"}
    body = json.dumps({"query": USERS_QUERY, "variables": {"page_size": args.page_size, "offset": 0}})

    def ours() -> bytes:
        response = client.post("/graphql", data=body, content_type="application/json", headers=auth)
        assert response.status_code == 200, response.content[:300]
        return response.content

    def baseline() -> bytes:
        response = client.get("/baseline/users", {"page_size": args.page_size, "offset": 0}, headers=auth)
        assert response.status_code == 200, response.content[:300]
        return response.content

    ours_json, baseline_json = json.loads(ours()), json.loads(baseline())
    if ours_json != baseline_json:
        raise SystemExit(f"bodies differ:\nours:     {json.dumps(ours_json)[:500]}\n"
                         f"baseline: {json.dumps(baseline_json)[:500]}")
    page = ours_json["data"]["users"]
    ours_sql, baseline_sql = count_statements(ours), count_statements(baseline)
    for _ in range(30):  # warm caches and code paths on both sides
        ours()
        baseline()

    totals = {"ours": [0, 0.0, []], "baseline": [0, 0.0, []]}
    for _ in range(args.rounds):
        for name, call in (("ours", ours), ("baseline", baseline)):
            count, elapsed, latencies = measure(call, args.seconds)
            totals[name][0] += count
            totals[name][1] += elapsed
            totals[name][2].extend(latencies)

    vendor = connection.vendor
    print(f"users: page_size={args.page_size}, {len(page)} users per response with organization, user_group, tags "
          f"({sum(len(u['tags']) for u in page)} tags); {args.patients} patients per organization; "
          f"database {vendor}; bodies identical ({len(json.dumps(ours_json))} bytes)")
    print(f"SQL statements per request: ours {ours_sql}, baseline {baseline_sql}")
    rates = {}
    for name in ("ours", "baseline"):
        count, elapsed, latencies = totals[name]
        rates[name] = count / elapsed
        print(f"{name:<9} {rates[name]:8.1f} req/s  ({count} requests in {elapsed:.1f} s; "
              f"median {statistics.median(latencies) * 1000:.2f} ms, "
              f"p95 {sorted(latencies)[int(len(latencies) * 0.95)] * 1000:.2f} ms)")
    print(f"ratio ours/baseline: {rates['ours'] / rates['baseline']:.3f} "
          f"(GraphQL serves {rates['ours'] / rates['baseline']:.0%} of the hand-written view's throughput)")


if __name__ == "__main__":
    main()
