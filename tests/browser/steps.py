"""Steps of the browser tests, written as what a person does on the page."""

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
