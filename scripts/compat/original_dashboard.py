"""Drive the original MiniRAG's dashboard, unmodified, against our local cloud in headless Chromium.

    .venv/bin/python -m scripts.compat.original_dashboard PATH [--api URL] [--screenshots DIR]

PATH is a checkout of mrwind-up-bird/mini-chat-rag (public on GitHub; this script does not download it and
nothing of it is committed here). Without --api the script starts the local cloud (`python -m
scripts.localcloud`) on free ports with a throwaway data directory and an OpenAI-protocol fake on loopback
as the provider of the dashboard's default `gpt-4o-mini` bots. The original dashboard finds its API at its
own origin, so the script serves its `dashboard/` directory from a loopback server that proxies /v1 to our
API (scripts/compat/dashboard_server.py). The browser libraries the dashboard loads from CDNs are served
from the pinned copies in scripts/compat/dashboard_libs (npm); every other request leaving loopback is
refused and reported.

A person's session follows: sign in, overview, bot profiles (create, edit, embed, try it with streaming and
feedback), sources (text, one URL with a schedule, a batch of URLs, a two-file upload, ingest, expand,
delete a child), chat history (view, feedback), API tokens (create, revoke), users (create, deactivate),
usage (every tab and date range), settings, deactivating a bot and signing out; then a member signs in
and looks at every page. For each page it reports console errors, failed requests (4xx/5xx or refused),
steps that could not be done, and text that shows "undefined", "NaN", "[object Object]" or "Invalid
Date". A member's 403 on the two routes this platform keeps for admins (API tokens, detailed health; the
original let members read them) is listed as a documented difference, not an error. Exit code 0 means no
page had an error.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.compat.dashboard_server import serve_dashboard
from scripts.compat.original_collection import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
LIBS = Path(__file__).resolve().parent / "dashboard_libs"
CHROMIUM = os.environ.get("MINIRAG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What the original's index.html loads from CDNs, by a piece of its URL, and the pinned file served instead.
CDN_FILES = {
    "cdn.tailwindcss.com": "@tailwindcss/browser/dist/index.global.js",
    "alpinejs": "alpinejs/dist/cdn.min.js",
    "chart.js": "chart.js/dist/chart.umd.min.js",
    "lucide": "lucide/dist/umd/lucide.min.js",
    "marked": "marked/lib/marked.umd.js",
    "dompurify": "dompurify/dist/purify.min.js",
}
# Headless Chromium renders without a GPU: the dashboard's animated, blurred glass backdrops then take so
# long per frame that a click waits for a stable element in vain. Only the look is switched off.
CALM_CSS = """document.addEventListener('DOMContentLoaded', () => {
  const style = document.createElement('style');
  style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important;'
    + ' backdrop-filter: none !important; -webkit-backdrop-filter: none !important; filter: none !important; }';
  document.head.appendChild(style);
});"""
BAD_TEXT = re.compile(r"\bundefined\b|\bNaN\b|\[object Object\]|Invalid Date")
PASSWORD = "dashboard-pass-1"  # noqa: S105 (the throwaway tenant's, on loopback)
WAIT_MS = 15_000


@dataclass
class PageReport:
    name: str
    problems: list[str] = field(default_factory=list)
    documented: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What the browser saw, filed under the page the person was on when it happened."""

    pages: list[PageReport] = field(default_factory=list)
    # Routes a member is refused here and not in the original (README: "Different, on purpose"), while a
    # member is signed in; the page's refusals of them are listed apart, not counted as errors.
    refused_to_member: frozenset[str] = frozenset()

    @property
    def current(self) -> PageReport:
        return self.pages[-1]

    def visit(self, name: str) -> PageReport:
        self.pages.append(PageReport(name))
        return self.current

    def problem(self, text: str) -> None:
        self.current.problems.append(text)

    def refusal(self, status: int, url: str, *, record: bool = True) -> bool:
        """Files a documented refusal (once: the console repeats it); False when it is not one."""
        if status != 403 or not any(url.endswith(path) for path in self.refused_to_member):
            return False
        if record:
            self.current.documented.append(f"403 {url.split('/v1/', 1)[-1]} (members are refused it here)")
        return True


def libs_dir() -> Path:
    if not (LIBS / "node_modules" / "alpinejs").is_dir():
        npm_ci = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm_ci, cwd=LIBS, check=True)  # noqa: S603 (a fixed argument list)
    return LIBS / "node_modules"


@contextmanager
def local_cloud() -> Iterator[str]:
    """`make run`'s platform on free ports, a fake OpenAI provider, and a throwaway data directory."""
    from tests.support.fake_openai import FakeOpenAI

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory(prefix="minirag-dashboard-") as data_dir,
        FakeOpenAI(reply="Tickets are answered within one business day [1].", embedding_dim=8) as fake,
    ):
        env = {
            **os.environ,
            "MINIRAG_DATA_DIR": data_dir,
            "OPENAI_API_BASE": fake.base_url,
            "OPENAI_API_KEY": "sk-compat-fake",
            "MINIRAG_ALLOW_PRIVATE_URLS": "1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        with open(Path(data_dir) / "localcloud.log", "wb") as log:
            proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", "scripts.localcloud", "--port", str(port), "--aws-port", "0"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_healthy(base, proc)
                yield base
            finally:
                proc.terminate()
                proc.wait(timeout=60)


def watch(context: Any, run: Run, origin: str, libs: Path) -> None:
    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(origin):
            request_route.continue_()
        elif "fonts.googleapis.com" in url or "fonts.gstatic.com" in url:
            request_route.fulfill(status=200, content_type="text/css", body="")
        elif match := next((path for key, path in CDN_FILES.items() if key in url), None):
            request_route.fulfill(status=200, content_type="application/javascript", path=str(libs / match))
        else:
            run.problem(f"request leaving loopback refused: {url}")
            request_route.abort()

    def response(resp: Any) -> None:
        if resp.status >= 400 and not run.refusal(resp.status, resp.url):
            run.problem(f"HTTP {resp.status} {resp.request.method} {resp.url.removeprefix(origin)}")

    def failed(request: Any) -> None:
        if request.failure != "net::ERR_ABORTED":  # a reload cancels the page's own polls: not a failure
            run.problem(f"request failed ({request.failure}): {request.method} {request.url}")

    def console(message: Any) -> None:
        url = (message.location or {}).get("url", "")
        if "status of 403" in message.text and run.refusal(403, url, record=False):
            return
        if message.type == "error" or "Alpine Expression Error" in message.text:
            run.problem(f"console {message.type}: {message.text}")

    context.add_init_script(CALM_CSS)
    context.route("**/*", route)
    context.on("response", response)
    context.on("requestfailed", lambda req: failed(req))
    context.on("console", console)
    context.on("weberror", lambda err: run.problem(f"page error: {err.error}"))
    if os.environ.get("MINIRAG_DASHBOARD_STACKS"):
        context.on("page", lambda p: p.on("pageerror", lambda e: print("STACK", e.stack, file=sys.stderr)))


def scan_text(page: Any, run: Run) -> None:
    """Text a person can see (innerText skips what x-show hides) must not show a missing or broken value."""
    text = page.locator("body").inner_text()
    for line in text.splitlines():
        if BAD_TEXT.search(line):
            run.problem(f"text shows {BAD_TEXT.search(line).group(0)!r}: {line.strip()[:160]}")  # type: ignore[union-attr]


def section(page: Any, name: str) -> Any:
    return page.locator(f"""div[x-show="page === '{name}'"]""")


def step(run: Run, label: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as exc:  # a failed step is reported and the session goes on
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        run.problem(f"step failed: {label}: {' | '.join(lines[:1] + lines[-2:])[:400]}")


def api_wait_ready(api: str, token: str, timeout_s: float = 90) -> dict[str, str]:
    """Waits (through our API, not the page) until no source is pending or processing."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout_s
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        sources = httpx.get(f"{api}/v1/sources?include_children=true", headers=headers, timeout=10).json()
        statuses = {s["name"]: s["status"] for s in sources}
        if statuses and all(v in ("ready", "error") for v in statuses.values()):
            break
        time.sleep(1)
    return statuses


@dataclass
class Session:
    page: Any
    run: Run
    origin: str
    api: str
    email: str
    files: Path
    bot: str = "Support bot"

    def go(self, label: str, name: str) -> Any:
        """Follows the sidebar, as a person does; the page's own x-init loaded its data at sign-in."""
        self.run.visit(label)
        self.page.locator("button.nav-item", has_text=label).click()
        view = section(self.page, name)
        view.wait_for(state="visible")
        self.page.wait_for_timeout(500)
        return view

    def reload(self) -> None:
        """A browser reload: the dashboard keeps its token and loads every page's data afresh."""
        self.page.reload()
        self.page.locator("aside.sidebar").wait_for(state="visible")

    def toast(self, text: str) -> None:
        self.page.locator(".toast", has_text=text).wait_for(state="visible")

    def done(self) -> None:
        self.page.wait_for_timeout(700)
        scan_text(self.page, self.run)

    def token(self) -> str:
        return str(self.page.evaluate("localStorage.getItem('minirag_token')"))


def sign_in(s: Session, email: str | None = None) -> None:
    s.run.visit("Sign in")
    s.page.goto(f"{s.origin}/dashboard/")
    s.page.locator("input[type=email]").fill(email or s.email)
    s.page.locator("input[type=password]").fill(PASSWORD)
    s.page.locator("button[type=submit]").click()
    s.page.locator("aside.sidebar").wait_for(state="visible")
    s.run.visit("Overview")
    section(s.page, "overview").locator(".stat-card").first.wait_for(state="visible")
    s.done()


def bots(s: Session) -> None:
    view = s.go("Bot Profiles", "bots")
    form = view.locator(".modal-backdrop").nth(0)

    def create() -> None:
        view.get_by_role("button", name="+ New Bot").click()
        form.locator("input[x-model='form.name']").fill(s.bot)
        form.locator("input[x-model='form.description']").fill("Answers from the handbook")
        form.locator("textarea").fill("You answer from the handbook only.")
        form.locator("button[type=submit]").click()
        s.toast("Bot profile created")
        view.locator(".glass-card", has_text=s.bot).wait_for(state="visible")

    def edit() -> None:
        view.locator(".glass-card", has_text=s.bot).get_by_role("button", name="Edit").click()
        form.locator("input[type=number]").fill("800")
        form.locator("button[type=submit]").click()
        s.toast("Bot profile updated")
        view.locator(".glass-card", has_text="Max tokens: 800").wait_for(state="visible")

    def embed() -> None:
        view.locator(".glass-card", has_text=s.bot).get_by_role("button", name="Embed").click()
        modal = view.locator(".modal-backdrop").nth(1)
        modal.locator("pre", has_text="data-bot-id").wait_for(state="visible")
        modal.locator(".modal-close").click()

    step(s.run, "create a bot", create)
    step(s.run, "edit the bot", edit)
    step(s.run, "show the embed snippet", embed)
    s.done()


def try_bot(s: Session, question: str) -> None:
    view = s.go("Bot Profiles", "bots")
    s.run.current.name = "Bot Profiles: Try It"

    def ask() -> None:
        view.locator(".glass-card", has_text=s.bot).get_by_role("button", name="Try It").click()
        chat = view.locator(".modal-backdrop").nth(2)
        chat.locator("input[placeholder='Type a message...']").fill(question)
        chat.locator("input[placeholder='Type a message...']").press("Enter")
        actions = chat.locator(".chat-actions").last
        actions.wait_for(state="visible")  # shown once the stream's done event gave the message id
        answer_text = chat.locator(".chat-bubble-actions-wrap .chat-bubble-bot").last.inner_text()
        if not answer_text.strip() or answer_text.startswith("Error"):
            s.run.problem(f"the streamed answer reads {answer_text[:120]!r}")
        with s.page.expect_response(lambda r: "/feedback" in r.url) as answer:
            actions.locator("button[title='Helpful']").click()
        if answer.value.status != 200:
            s.run.problem(f"feedback answered {answer.value.status}")
        s.done()
        chat.locator(".modal-close").click()

    step(s.run, "try the bot", ask)


def sources(s: Session) -> None:
    s.reload()  # the original's sources page lists the bots it loaded at sign-in: a person reloads
    view = s.go("Sources", "sources")
    form = view.locator(".modal-backdrop")

    def new(kind: str, name: str) -> None:
        view.get_by_role("button", name="+ New Source").click()
        form.locator("select[x-model='form.bot_profile_id']").select_option(label=s.bot)
        form.locator("input[x-model='form.name']").fill(name)
        form.locator("select[x-model='form.source_type']").select_option(kind)

    def text() -> None:
        new("text", "Support hours")
        form.locator("textarea[x-model='form.content']").fill(
            "Our support desk answers every ticket within one business day. " * 5
        )
        form.locator("button[type=submit]").click()
        s.toast("Source created")

    def one_url() -> None:
        new("url", "Handbook page")
        form.locator("textarea[x-model='form.config.urls']").fill(f"{s.origin}/fixture/handbook")
        form.locator("select[x-model='form.refresh_schedule']").select_option("daily")
        form.locator("button[type=submit]").click()
        s.toast("Source created & ingestion started")

    def many_urls() -> None:
        new("url", "Site pages")
        form.locator("textarea[x-model='form.config.urls']").fill(
            f"{s.origin}/fixture/pricing\n{s.origin}/fixture/faq"
        )
        form.locator("button[type=submit]").click()
        s.toast("2 sources created & ingestion started")

    def upload() -> None:
        new("upload", "Policies")
        form.locator("input[type=file]").set_input_files([s.files / "refunds.txt", s.files / "seats.md"])
        form.locator("button[type=submit]").click()
        s.toast("2 files uploaded & ingestion started")

    def ingest_text() -> None:
        view.locator("tr", has_text="Support hours").get_by_role("button", name="Ingest").click()
        s.toast("Ingestion started")

    for label, action in [
        ("create a text source", text),
        ("create a URL source", one_url),
        ("create a batch of URLs", many_urls),
        ("upload two files", upload),
        ("ingest the text source", ingest_text),
    ]:
        step(s.run, label, action)
    s.done()
    statuses = api_wait_ready(s.api, s.token())
    not_ready = {name: status for name, status in statuses.items() if status != "ready"}
    if not_ready:
        s.run.problem(f"sources not ready after ingestion: {not_ready}")
    s.reload()
    view = s.go("Sources", "sources")
    s.run.current.name = "Sources after ingestion"

    def expand_and_delete_child() -> None:
        parent = view.locator("tr", has_text="Site pages")
        parent.locator("button").first.click()  # the chevron, shown for a parent
        child = view.locator("tr", has_text="/fixture/faq")
        child.wait_for(state="visible")
        child.get_by_role("button", name="Delete").click()
        s.toast("Source deleted")
        view.locator("tr", has_text="/fixture/faq").wait_for(state="detached")

    step(s.run, "expand a batch and delete a child", expand_and_delete_child)
    step(
        s.run,
        "see a ready source",
        lambda: (
            view.locator("tr", has_text="Support hours").locator(".badge-ready").wait_for(state="visible")
        ),
    )
    s.done()


def chats(s: Session) -> None:
    s.reload()
    view = s.go("Chat History", "chats")

    def open_chat() -> None:
        view.get_by_role("button", name="View").first.click()
        modal = view.locator(".modal-backdrop")
        modal.locator(".chat-bubble-bot").first.wait_for(state="visible")
        with s.page.expect_response(lambda r: "/feedback" in r.url) as answer:
            modal.locator("button[title='Not helpful']").first.click()
        if answer.value.status != 200:
            s.run.problem(f"feedback answered {answer.value.status}")
        s.done()
        modal.locator(".modal-close").click()

    step(s.run, "open a chat", open_chat)
    s.done()


def tokens(s: Session) -> None:
    view = s.go("API Tokens", "tokens")

    def create_and_revoke() -> None:
        view.get_by_role("button", name="+ New Token").click()
        view.locator(".modal-backdrop input").fill("production-widget")
        view.locator(".modal-backdrop button[type=submit]").click()
        view.locator(".alert-success code").wait_for(state="visible")
        if not view.locator(".alert-success code").inner_text().startswith("mrag_"):
            s.run.problem("the new token banner does not show the raw token")
        view.locator("tr", has_text="production-widget").get_by_role("button", name="Revoke").click()
        s.toast("Token revoked")

    step(s.run, "create and revoke a token", create_and_revoke)
    s.done()


def users(s: Session) -> None:
    view = s.go("Users", "users")

    def create_and_deactivate() -> None:
        view.get_by_role("button", name="+ New User").click()
        modal = view.locator(".modal-backdrop")
        modal.locator("input[type=email]").fill(f"agent.{s.email}")
        modal.locator("input[type=password]").fill(PASSWORD)
        modal.locator("input[x-model='form.display_name']").fill("Agent Smith")
        modal.locator("select").select_option("admin")
        modal.locator("button[type=submit]").click()
        s.toast("User created")
        row = view.locator("tr", has_text=f"agent.{s.email}")
        row.get_by_role("button", name="Deactivate").click()
        s.toast("User deactivated")
        row.locator(".badge", has_text="Disabled").wait_for(state="visible")

    step(s.run, "create and deactivate a user", create_and_deactivate)
    s.done()


def usage(s: Session) -> None:
    view = s.go("Usage", "usage")
    step(s.run, "see the cost cards", lambda: view.locator(".stat-card").first.wait_for(state="visible"))
    s.done()
    for tab in ("By Bot", "Daily Breakdown", "By Model"):
        step(s.run, f"open the {tab} tab", lambda tab=tab: view.get_by_role("button", name=tab).click())
        s.done()
    for days in ("7", "90", ""):
        with s.page.expect_response(lambda r: "/v1/stats/pricing" in r.url):
            view.locator("select").select_option(days)
        s.page.wait_for_timeout(1500)  # as a person would: the charts animate before the next choice
        s.done()


def settings(s: Session) -> None:
    view = s.go("Settings", "settings")
    step(s.run, "refresh the health", lambda: view.get_by_role("button", name="Refresh").click())
    s.done()


def overview_and_sign_out(s: Session) -> None:
    s.reload()
    s.go("Overview", "overview")
    s.done()
    view = s.go("Bot Profiles", "bots")
    s.run.current.name = "Bot Profiles: deactivate"

    def deactivate() -> None:
        view.locator(".glass-card", has_text=s.bot).get_by_role("button", name="Delete").click()
        s.toast("Bot profile deactivated")
        view.locator(".glass-card", has_text=s.bot).locator(".badge", has_text="Inactive").wait_for()

    step(s.run, "deactivate the bot", deactivate)
    s.done()
    s.run.visit("Sign out")
    s.page.get_by_role("button", name="Sign Out").click()
    step(s.run, "see the sign-in form", lambda: s.page.locator("input[type=email]").wait_for(state="visible"))
    s.done()


def member_tour(s: Session) -> None:
    """A member signs in and looks at every page (all load at sign-in); writes are an admin's here."""
    s.run.refused_to_member = MEMBER_REFUSED
    sign_in(s, email=f"member@{s.email.split('@', 1)[1]}")
    for signed_in in s.run.pages[-2:]:
        signed_in.name += " (member)"
    for label, name in [
        ("Bot Profiles", "bots"),
        ("Sources", "sources"),
        ("Chat History", "chats"),
        ("API Tokens", "tokens"),
        ("Users", "users"),
        ("Usage", "usage"),
        ("Settings", "settings"),
    ]:
        s.go(label, name)
        s.run.current.name = f"{label} (member)"
        s.done()
    s.page.get_by_role("button", name="Sign Out").click()
    s.run.refused_to_member = frozenset()


def drive(original: Path, api: str, screenshots: Path | None) -> Run:
    from playwright.sync_api import sync_playwright

    libs = libs_dir()
    slug = f"orig-dash-{int(time.time())}"
    email = f"owner@{slug}.example.com"
    signup = httpx.post(
        f"{api}/v1/tenants",
        timeout=30,
        json={
            "tenant_name": "Original Dashboard Co",
            "tenant_slug": slug,
            "owner_email": email,
            "owner_password": PASSWORD,
            "owner_display_name": "Olive Owner",
        },
    )
    signup.raise_for_status()
    member = {"email": f"member@{slug}.example.com", "password": PASSWORD, "display_name": "Max Member"}
    httpx.post(
        f"{api}/v1/users",
        timeout=30,
        json={**member, "role": "member"},
        headers={"Authorization": f"Bearer {signup.json()['api_token']}"},
    ).raise_for_status()
    run = Run()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_dashboard(original / "dashboard", api) as origin,
        sync_playwright() as playwright,
    ):
        files = Path(tmp)
        (files / "refunds.txt").write_text("Refunds are possible within thirty days of purchase.\n" * 3)
        (files / "seats.md").write_text("# Seats\n\nThe team plan includes five seats.\n")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(WAIT_MS)
        watch(context, run, origin, libs)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        session = Session(page=page, run=run, origin=origin, api=api, email=email, files=files)
        for stage in (
            sign_in,
            bots,
            sources,
            lambda s: try_bot(s, "How fast are tickets answered?"),
            chats,
            tokens,
            users,
            usage,
            settings,
            overview_and_sign_out,
            member_tour,
        ):
            run.visit(getattr(stage, "__name__", "stage"))
            step(run, f"stage {getattr(stage, '__name__', 'stage')}", lambda stage=stage: stage(session))
            if screenshots:
                screenshots.mkdir(parents=True, exist_ok=True)
                shot = screenshots / f"{len(run.pages):02d}-{run.current.name}.png"
                step(run, "screenshot", lambda shot=shot: page.screenshot(path=str(shot), timeout=30_000))
        context.close()
        browser.close()
    run.pages = [p for p in run.pages if p.problems or p.name not in {"<lambda>", *STAGE_NAMES}]
    return run


STAGE_NAMES = {
    "sign_in",
    "bots",
    "sources",
    "chats",
    "tokens",
    "users",
    "usage",
    "settings",
    "overview_and_sign_out",
    "member_tour",
}
MEMBER_REFUSED = frozenset({"/v1/api-tokens", "/v1/system/health/detailed"})


def report(run: Run) -> int:
    errors = sum(len(p.problems) for p in run.pages)
    documented = sum(len(p.documented) for p in run.pages)
    for p in run.pages:
        print(f"{p.name}: {len(p.problems)} problem(s)")
        for problem in p.problems:
            print(f"  - {problem}")
        for refusal in p.documented:
            print(f"  . documented difference: {refusal}")
    print(f"\npages visited: {len(run.pages)}, errors: {errors}, documented refusals: {documented}")
    return 0 if errors == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("original", type=Path, help="checkout of mrwind-up-bird/mini-chat-rag")
    parser.add_argument("--api", help="base URL of a running local cloud (default: start one)")
    parser.add_argument("--screenshots", type=Path, help="save a screenshot after each stage here")
    args = parser.parse_args()
    original = args.original.resolve()
    if not (original / "dashboard" / "index.html").is_file():
        print(f"no dashboard at {original / 'dashboard'}", file=sys.stderr)
        return 2
    if args.api:
        return report(drive(original, args.api.rstrip("/"), args.screenshots))
    with local_cloud() as api:
        return report(drive(original, api, args.screenshots))


if __name__ == "__main__":
    sys.exit(main())
