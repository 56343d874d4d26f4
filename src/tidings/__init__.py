"""Tidings: write, schedule and publish social media posts under plan limits and an honest credit ledger."""

__version__ = "0.1.0"
