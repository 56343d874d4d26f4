"""The signed-in user's own settings: profile and time zone, notifications, email and password, their data, and
deleting the account. Each section is a page of its own under /settings/."""

from tidings.web.account import data, profile, sign_in

urls = [*profile.urls, *sign_in.urls, *data.urls]
