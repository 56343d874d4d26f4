"""The durable workflows, under the product's event names. Importing this package registers them."""

from tidings.jobs.workflows import automation, credits, maintenance, publish, tokens, webhooks

__all__ = ["automation", "credits", "maintenance", "publish", "tokens", "webhooks"]
