import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aduan.config.settings.base")
application = get_wsgi_application()
# Import every view and build the URL maps now: gunicorn loads this in its master
# (preload_app), so each worker it forks, and each one it recycles after max_requests,
# starts ready instead of spending its first request (~0.25 s of CPU) on them.
get_resolver().reverse_dict  # noqa: B018 - the property builds the maps
