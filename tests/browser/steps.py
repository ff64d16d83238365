"""Steps of the browser tests, written as what a person does on the page."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.sync_api import expect

from tests.support.api import PASSWORD


def sign_in(page: Any, app_url: str, email: str, password: str = PASSWORD, slug: str | None = None) -> None:
    page.goto(f"{app_url}/dashboard/")
    form = page.get_by_role("form", name="Sign in")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    if slug:
        form.get_by_label("Tenant slug").fill(slug)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()


def go(page: Any, label: str) -> None:
    """Follows a link of the side navigation."""
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)


def close_secret(page: Any) -> str:
    """Reads the secret the API shows once, then closes the dialog."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    value: str = dialog.get_by_test_id("secret-value").inner_text()
    dialog.get_by_role("button", name="I have stored it").click()
    expect(dialog).to_be_hidden()
    return value


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A local endpoint that answers 200 to every POST and keeps (headers, body) of each."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/minirag", received
    finally:
        server.shutdown()
        server.server_close()
