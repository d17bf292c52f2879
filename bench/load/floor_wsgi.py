"""The WSGI entry of ``bench/floor.py``: ``/_floor/bare`` answers before Django is
entered (gunicorn's own cost); everything else goes to Aduan with the floor's URLs."""

from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()
BODY = b"ok"


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/_floor/bare":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [BODY]
    return django_application(environ, start_response)
