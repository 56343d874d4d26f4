"""Automation rules: list, create, edit, pause, run now, delete, and each rule's runs."""

from tidings.web.automation.views import urls

__all__ = ["urls"]
