"""Every fenced code block in docs/*.md runs as written against one live server with the demo data.

The server is a real uvicorn process on a temporary SQLite database, migrated and seeded with
``manage.py seed_demo`` exactly like ``make serve``. Blocks are told apart by their language tag:

- ``python``, ``sh``/``bash``/``shell`` and ``javascript``/``js`` blocks are programs. Each one runs,
  or it carries the line ``# not run by the docs test: <reason>`` (``//`` in JavaScript), which
  becomes a skip with that reason; nothing is dropped silently. They reach the server through the
  environment variables the docs name in the snippets: ``CAREPLATFORM_URL``,
  ``CAREPLATFORM_API_KEY`` (the Sentinel PACE provider key), ``CAREPLATFORM_PATIENT_API_KEY``,
  ``CAREPLATFORM_PASSWORD`` (the demo sign-in password) and, for webhook receivers,
  ``CAREPLATFORM_WEBHOOK_SECRET`` / ``CAREPLATFORM_WEBHOOK_PUBLIC_KEY``. The ``sh`` blocks of one
  page run in order in one shell (later blocks use what earlier ones defined). JavaScript needs
  ``node`` and the npm packages of tests/docs_node/package-lock.json.
- ``graphql`` blocks are validated against the schema; one whose first line is ``# as: <role>``
  and that is followed by a ``json`` block runs as that role and must answer exactly that JSON.
- ``json`` blocks must parse; ``text`` and ``http`` blocks are shown as they are.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from graphql import parse, validate
from graphql.language import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NODE_PROJECT = Path(__file__).with_name("docs_node")
UVICORN = Path(sys.executable).with_name("uvicorn")

FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
NOT_RUN = re.compile(r"^\s*(?:#|//) not run by the docs test: (.+)$", re.M)
AS_ROLE = re.compile(r"\A# as: (\w+)\n")
PROGRAMS = {"python": "python", "sh": "sh", "bash": "sh", "shell": "sh", "javascript": "js", "js": "js"}
SHOWN = {"graphql", "json", "text", "http"}
# A program that follows a user waits for an update of the demo patient it names: the test makes them.
FOLLOWS_A_USER = re.compile(r"userUpdatedSubscription")
RECEIVES_WEBHOOKS = re.compile(r"CAREPLATFORM_WEBHOOK_SECRET")
TIMEOUT = 90


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    tag: str
    code: str

    @property
    def kind(self) -> str:
        return PROGRAMS.get(self.tag) or self.tag

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}-{self.tag}"

    @property
    def not_run(self) -> str | None:
        found = NOT_RUN.search(self.code)
        return found.group(1).strip() if found else None


def all_blocks() -> list[Block]:
    found = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(path.name, line, match.group(1).lower(), match.group(2)))
    return found


BLOCKS = all_blocks()


def of_kind(kind: str) -> list[Block]:
    return [b for b in BLOCKS if b.kind == kind]


def examples_with_answers() -> list[tuple[Block, str, Block]]:
    """(graphql block, role, the json block right after it) for every ``# as: <role>`` example."""
    pairs = []
    for block, following in zip(BLOCKS, BLOCKS[1:], strict=False):
        role = AS_ROLE.match(block.code)
        if block.tag == "graphql" and role and following.tag == "json" and following.page == block.page:
            pairs.append((block, role.group(1), following))
    return pairs


# ---- the inventory ---------------------------------------------------------------------------------


def test_every_block_is_tagged_and_every_program_runs_or_says_why():
    untagged = [b.name for b in BLOCKS if b.kind not in set(PROGRAMS.values()) | SHOWN]
    assert not untagged, f"tag these blocks (python, sh, javascript, graphql, json, http or text): {untagged}"
    tally = {kind: [0, 0] for kind in ("python", "sh", "js")}
    for block in BLOCKS:
        if block.kind in tally:
            tally[block.kind][block.not_run is not None] += 1
    # The docs must keep real, running examples of each kind; each counts its skipped ones too.
    assert tally["python"][0] >= 3 and tally["sh"][0] >= 10 and tally["js"][0] >= 3, tally
    assert len(examples_with_answers()) >= 8


def test_json_blocks_parse():
    for block in of_kind("json"):
        try:
            json.loads(block.code)
        except json.JSONDecodeError as error:
            pytest.fail(f"{block.name}: {error}")


def _definitions(document: DocumentNode) -> list[DocumentNode]:
    """Each operation with the fragments of its block: reference blocks list several operations."""
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return [DocumentNode(definitions=(operation, *fragments)) for operation in operations]


def test_graphql_blocks_validate_against_the_schema():
    from schema.schema import schema

    graphql_schema = schema._schema
    problems = []
    for block in of_kind("graphql"):
        for document in _definitions(parse(block.code)):
            problems += [f"{block.name}: {error.message}" for error in validate(graphql_schema, document)]
    assert not problems, "\n".join(problems)


# ---- the live server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Live:
    url: str
    keys: dict[str, str]  # role -> Sentinel PACE demo key
    env: dict[str, str]  # what the snippets read
    server_env: dict[str, str]  # the server's own settings (for manage.py commands)
    tmp: Path

    def graphql(self, query: str, variables: dict | None = None, *, role: str = "provider") -> dict:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                              headers={"Authorization": f"Basic {self.keys[role]}", "AuthorizationSource": "API"},
                              timeout=30)
        return response.json()


KEY_LINE = re.compile(r"^\s+(owner|provider|staff|patient)\s+(cp_\S+)", re.M)
PASSWORD_LINE = re.compile(r"sign in with the password: (\S+)")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Live:
    tmp = tmp_path_factory.mktemp("docs-live")
    port = _free_port()
    server_env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "REDIS_URL": "", "LOG_LEVEL": "WARNING",
        # Files the examples upload stay out of the working tree.
        "MEDIA_ROOT": str(tmp / "media"),
        # The webhook receivers of the examples listen on this machine, over plain HTTP.
        "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1", "WEBHOOK_ALLOW_HTTP": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=server_env, check=True, capture_output=True,
                   timeout=300)
    seeded = subprocess.run([*manage, "seed_demo", "--port", str(port)], cwd=ROOT, env=server_env, check=True,
                            capture_output=True, text=True, timeout=300).stdout
    keys = dict(KEY_LINE.findall(seeded)[:4])  # Sentinel PACE is printed first
    password = PASSWORD_LINE.search(seeded).group(1)
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [str(UVICORN), "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--ws-per-message-deflate", "false", "--log-level", "warning"],
        cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # generous: a loaded 2-core CI box starts Django slowly
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the live server did not start: {(tmp / 'server.log').read_text()[-3000:]}")
        time.sleep(0.3)
    snippet_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_"))},
        "CAREPLATFORM_URL": url, "CAREPLATFORM_API_KEY": keys["provider"],
        "CAREPLATFORM_PATIENT_API_KEY": keys["patient"], "CAREPLATFORM_PASSWORD": password,
    }
    try:
        yield Live(url, keys, snippet_env, server_env, tmp)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_seed_demo_prints_a_command_that_reaches_the_server(live):
    seeded = subprocess.run([sys.executable, "manage.py", "seed_demo", "--port", live.url.rsplit(":", 1)[1]],
                            cwd=ROOT, env=live.server_env, check=True, capture_output=True, text=True,
                            timeout=300).stdout
    command = seeded.split("Try:\n", 1)[1].strip()
    assert command.startswith(f"curl -s {live.url}/graphql ")
    answer = json.loads(subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60).stdout)
    assert answer["data"]["currentUser"]["full_name"] == "Daniel Reyes"
    # The run above rotated the demo keys: take the fresh ones for the examples that follow.
    live.keys.update(dict(KEY_LINE.findall(seeded)[:4]))
    live.env.update(CAREPLATFORM_API_KEY=live.keys["provider"], CAREPLATFORM_PATIENT_API_KEY=live.keys["patient"])


# Read-only examples first: the programs below add data (a booking, a client) to the demo.
@pytest.mark.parametrize("block,role,expected", examples_with_answers(),
                         ids=[b.name for b, _, _ in examples_with_answers()])
def test_graphql_example_answers_as_documented(live, block, role, expected):
    assert live.graphql(block.code, role=role) == json.loads(expected.code)


def _skip_unless_run(block: Block) -> None:
    if block.not_run:
        pytest.skip(f"{block.name}: {block.not_run}")


class _Nudger:
    """Updates a demo patient every half second while a subscription example waits for a change."""

    def __init__(self, live: Live, code: str) -> None:
        found = re.search(r"""\bid['"]?\s*:\s*['"](\d+)['"]""", code)
        assert found, "a subscription example names the user it follows (variables: { id: ... })"
        self.live, self.user_id, self.stop = live, found.group(1), threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        n = 0
        while not self.stop.wait(0.5):
            n += 1
            self.live.graphql("mutation($id: ID, $p: String) { updateClient(input: {id: $id, phone_number: $p}) "
                              "{ messages { field message } } }", {"id": self.user_id, "p": f"555-02{n % 100:02d}"})

    def __enter__(self) -> _Nudger:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def _run_program(live: Live, block: Block, argv: list[str], cwd: Path, env: dict[str, str] | None = None,
                 stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**live.env, **(env or {})}
    if RECEIVES_WEBHOOKS.search(block.code):
        return _run_receiver(live, block, argv, cwd, env)
    if FOLLOWS_A_USER.search(block.code):
        with _Nudger(live, block.code):
            return subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                                  timeout=TIMEOUT)
    return subprocess.run(argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=TIMEOUT)


def _run_receiver(live: Live, block: Block, argv: list[str], cwd: Path,
                  env: dict[str, str]) -> subprocess.CompletedProcess:
    """Registers a webhook at the receiver the example starts and has the server send it a signed event."""
    port = _free_port()
    created = live.graphql(
        "mutation($url: String) { createWebhook(input: {url: $url, "
        "webhook_events: [{event_type: \"patient.updated\"}]}) "
        "{ webhook { id signature_secret } messages { field message } } }",
        {"url": f"http://127.0.0.1:{port}/care/hooks?tenant=7"}, role="owner")["data"]["createWebhook"]
    assert created["messages"] == [], created
    public_key = live.graphql("{ webhookSigningPublicKey }", role="owner")["data"]["webhookSigningPublicKey"]
    env = {**env, "CAREPLATFORM_WEBHOOK_SECRET": created["webhook"]["signature_secret"],
           "CAREPLATFORM_WEBHOOK_PUBLIC_KEY": public_key, "RECEIVER_PORT": str(port)}
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        sent = live.graphql("mutation($id: ID) { sendTestWebhook(input: {id: $id, event_type: \"patient.updated\"}) "
                            "{ sent messages { field message } } }", {"id": created["webhook"]["id"]}, role="owner")
        output, _ = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert sent["data"]["sendTestWebhook"] == {"sent": True, "messages": []}, (sent, output)
    return subprocess.CompletedProcess(argv, process.returncode, output, "")


def _check(block: Block, completed: subprocess.CompletedProcess) -> None:
    if "ModuleNotFoundError" in (completed.stdout or "") + (completed.stderr or ""):
        pytest.fail(f"{block.name} imports a package this environment lacks; the examples' Python packages are dev "
                    f"dependencies: pip install -r requirements-dev.lock\n{completed.stderr}")
    assert completed.returncode == 0, (
        f"{block.name} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}")


def _answers(output: str) -> list[object]:
    """The JSON documents an example printed (curl prints one per request, without a newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := output.find("{", at)) >= 0:
        try:
            value, at = decoder.raw_decode(output, start)
            found.append(value)
        except json.JSONDecodeError:
            at = start + 1
    return found


def _problems(answer: object) -> list[object]:
    """Top-level errors and non-empty ``messages`` anywhere in an answer."""
    if isinstance(answer, dict):
        found = [answer["errors"]] if answer.get("errors") else []
        if answer.get("messages"):
            found.append(answer["messages"])
        return found + [p for value in answer.values() for p in _problems(value)]
    if isinstance(answer, list):
        return [p for value in answer for p in _problems(value)]
    return []


PYTHON_IN_PROJECT = re.compile(r"^# .*python manage\.py shell", re.M)


@pytest.mark.parametrize("block", of_kind("python"), ids=[b.name for b in of_kind("python")])
def test_python_example_runs(live, block):
    _skip_unless_run(block)
    if PYTHON_IN_PROJECT.search(block.code):
        # Code for inside the project: it runs in the project's shell, on the live server's database.
        completed = _run_program(live, block, [sys.executable, "manage.py", "shell"], ROOT, live.server_env,
                                 stdin=block.code)
    else:
        path = live.tmp / f"example_{block.page}_{block.line}.py"
        path.write_text(block.code, encoding="utf-8")
        completed = _run_program(live, block, [sys.executable, str(path)], live.tmp)
    _check(block, completed)


SH_PAGES = sorted({b.page for b in of_kind("sh") if not b.not_run})


@pytest.mark.parametrize("page", SH_PAGES)
def test_shell_examples_run_in_order(live, page):
    """A page's shell blocks form one session, run in order; every answer they print has no errors."""
    blocks = [b for b in of_kind("sh") if b.page == page]
    runnable = [b for b in blocks if not b.not_run]
    script = "set -eu\n" + "".join(f"echo '@@ {b.name}'\n{b.code}\necho\n" for b in runnable)
    completed = subprocess.run(["bash", "-c", script], cwd=live.tmp, env=live.env, capture_output=True, text=True,
                               timeout=TIMEOUT * 2)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    sections = dict(section.partition("\n")[::2] for section in completed.stdout.split("@@ ")[1:])
    assert list(sections) == [b.name for b in runnable], completed.stdout
    for block in runnable:
        answers = _answers(sections[block.name])
        assert answers or _only_defines(block.code), f"{block.name} printed no answer: {sections[block.name]!r}"
        for answer in answers:
            assert not _problems(answer), f"{block.name}: {answer}"


@pytest.mark.parametrize("block", [b for b in of_kind("sh") if b.not_run],
                         ids=[b.name for b in of_kind("sh") if b.not_run])
def test_shell_example_not_run_says_why(block):
    _skip_unless_run(block)


DEFINITION = re.compile(r"^\s*(#.*|\w+=\S*.*|\w+\(\)\s*\{.*\}.*)?$")


def _only_defines(code: str) -> bool:
    """A set-up block (variables, functions) prints nothing; every other block shows an answer."""
    return all(DEFINITION.match(line) for line in code.splitlines())


@pytest.fixture(scope="module")
def node_project(tmp_path_factory) -> Path:
    """The npm packages the JavaScript examples import, from the lock file (the npm cache first)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the JavaScript examples need Node.js 20 or later")
    folder = tmp_path_factory.mktemp("docs-node")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(NODE_PROJECT / name, folder / name)
    installed = subprocess.run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=folder,
                               capture_output=True, text=True, timeout=300)
    if installed.returncode != 0:
        pytest.skip(f"npm could not install tests/docs_node/package-lock.json (offline with an empty npm cache?): "
                    f"{installed.stderr.strip()[-300:]}")
    return folder


@pytest.mark.parametrize("block", of_kind("js"), ids=[b.name for b in of_kind("js")])
def test_javascript_example_runs(live, block, request):
    _skip_unless_run(block)
    folder = request.getfixturevalue("node_project")
    path = folder / f"example_{block.page.removesuffix('.md')}_{block.line}.mjs"
    path.write_text(block.code, encoding="utf-8")
    _check(block, _run_program(live, block, [shutil.which("node"), str(path)], folder))
