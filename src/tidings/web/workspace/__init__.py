"""The workspace pages: its settings and members, making a new one, switching between them, and accepting an
invitation (/invitations/<secret>/, reachable signed out)."""

from tidings.web.workspace import invitation, members, switching

urls = [*members.urls, *switching.urls, *invitation.urls]
