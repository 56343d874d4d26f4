"""The workspace pages: its settings, members and webhooks, making a new one, switching between them, and accepting an
invitation (/invitations/<secret>/, reachable signed out)."""

from tidings.web.workspace import invitation, members, switching, webhooks

urls = [*members.urls, *webhooks.urls, *switching.urls, *invitation.urls]
