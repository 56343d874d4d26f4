import pytest
from django.core.management import call_command
from django.test import Client

from tidings.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_demo_users_and_no_one_else(client: Client, alice: User, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", verbosity=0)
    page = client.get("/").content.decode()
    for name, plan in [("demo-free", "Free"), ("demo-pro", "Pro"), ("demo-business", "Business")]:
        assert f"<td>{name}</td><td>{plan}</td>" in page
    assert "alice" not in page


def test_the_dashboard_needs_a_login_and_shows_the_users_plan(client: Client, bob: User) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    client.force_login(bob)
    page = client.get("/dashboard/").content.decode()
    assert "bob · Pro plan" in page
    assert 'data-testid="credits-available">500</strong>' in page


def test_user_text_is_escaped(client: Client, settings, tmp_path) -> None:
    from tidings.accounts.services import create_user

    create_user("<script>x</script>", password="correct horse battery staple", is_demo=True)
    page = client.get("/").content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_health_check_touches_the_database(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
