"""The durable workflows, under the product's event names. Importing this package registers them."""

from tidings.jobs.workflows import automation, batches, credits, dispatch, maintenance, publish, tokens

__all__ = ["automation", "batches", "credits", "dispatch", "maintenance", "publish", "tokens"]
