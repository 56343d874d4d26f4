"""The durable workflows, under the product's event names. Importing this package registers them."""

from tidings.jobs.workflows import analytics, automation, credits, maintenance, publish, recurring, tokens, webhooks

__all__ = ["analytics", "automation", "credits", "maintenance", "publish", "recurring", "tokens", "webhooks"]
