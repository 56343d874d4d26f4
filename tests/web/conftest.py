"""The browser fixtures (`browser`, `page`, `phone`) for every web test module; see tests/support/browser.py."""

from tests.support.browser import browser, page, phone  # noqa: F401 - fixtures
