"""The site's address and name: ``ADUAN_SITE_URL`` or where the server listens (HOST,
PORT), and the Sites framework's row that allauth's e-mails name the site by."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from conftest import run_manage, subprocess_env
from django.contrib.sites.models import Site
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from aduan.core.sites import site_sync
from aduan.core.siteurl import site_domain, site_url

ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - what a server listening everywhere is given as HOST


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8101"}, "http://127.0.0.1:8101"),
        ({"HOST": ANY_ADDRESS, "PORT": "8101"}, "http://127.0.0.1:8101"),
        ({"HOST": "::", "PORT": "8101"}, "http://127.0.0.1:8101"),
        ({"HOST": "::1", "PORT": "8101"}, "http://[::1]:8101"),
        ({"HOST": "localhost", "PORT": "9000"}, "http://localhost:9000"),
        ({"HOST": "", "PORT": ""}, "http://127.0.0.1:8000"),
        # Set explicitly, the site's address wins over where the server listens.
        (
            {"ADUAN_SITE_URL": "https://lapor.example.id/", "HOST": ANY_ADDRESS, "PORT": "8101"},
            "https://lapor.example.id",
        ),
    ],
)
def test_site_url_follows_host_and_port_unless_set(environ, expected):
    assert site_url(environ) == expected


@pytest.mark.parametrize(
    "environ",
    [{"PORT": "delapan"}, {"PORT": "70000"}, {"ADUAN_SITE_URL": "lapor.example.id"}],
)
def test_site_url_refuses_what_is_not_an_address(environ):
    with pytest.raises(ImproperlyConfigured):
        site_url(environ)


def test_site_domain_keeps_a_port():
    assert site_domain("http://127.0.0.1:8101") == "127.0.0.1:8101"
    assert site_domain("https://lapor.example.id") == "lapor.example.id"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("host", "expected_url"),
    [
        (ANY_ADDRESS, "http://127.0.0.1:8101"),
        ("192.168.1.5", "http://192.168.1.5:8101"),
        ("fd00::5", "http://[fd00::5]:8101"),
    ],
)
def test_settings_read_under_make_runs_environment(tmp_path, host, expected_url):
    """The settings module, loaded afresh in a process with ``make run PORT=8101``'s
    environment, links to port 8101 (notification and e-mail links are built from
    ``SITE_URL``), and answers on the host its links name."""
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        HOST=host,
        PORT="8101",
    )
    code = (
        "from django.conf import settings; from urllib.parse import urlsplit; "
        "print(settings.SITE_URL, settings.SITE_NAME, "
        "urlsplit(settings.SITE_URL).netloc.rsplit(':', 1)[0] in settings.ALLOWED_HOSTS)"
    )
    result = run_manage("shell", "-v", "0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected_url, "Aduan", "True"]


@pytest.mark.slow
def test_migrate_writes_the_site_row_from_the_settings(tmp_path, migrated_sqlite):
    """``make run`` migrates at start: the row then says the configured domain and name,
    not Django's ``example.com``, also when it was written before with other values."""
    path = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE django_site SET domain = 'example.com', name = 'example.com'")
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="aduan.config.settings.base",
        ADUAN_VAR_DIR=str(tmp_path),
        ADUAN_SQLITE_PATH=str(path),
        ADUAN_SITE_NAME="Aduan Kota Bandung",
        PORT="8101",
    )
    result = run_manage("migrate", "--no-input", "-v", "0", env=env)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT domain, name FROM django_site").fetchall()
    assert rows == [("127.0.0.1:8101", "Aduan Kota Bandung")]


@pytest.mark.django_db
def test_test_database_site_row_follows_the_settings(settings):
    site = Site.objects.get_current()
    assert (site.domain, site.name) == (site_domain(settings.SITE_URL), settings.SITE_NAME)


@pytest.mark.django_db
def test_verification_email_names_the_site(settings, visitor_client):
    """allauth's verification e-mail, sent by a real sign-up, names the configured site."""
    settings.SITE_URL = "https://lapor.bandung.go.id"
    settings.SITE_NAME = "Lapor Bandung"
    site_sync()
    response = visitor_client.post(
        reverse("account_signup"),
        {
            "full_name": "Ani Suryani",
            "email": "ani@example.id",
            "password1": "gado-gado-pedas-77",
            "password2": "gado-gado-pedas-77",
        },
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject.startswith("[Lapor Bandung] ")
    assert "Lapor Bandung" in message.body
    assert "lapor.bandung.go.id" in message.body
    assert "example.com" not in message.subject + message.body
