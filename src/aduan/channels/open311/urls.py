from django.urls import path, re_path

from . import views

app_name = "open311"

# ``{name}.{fmt}``: names never hold a dot (category codes are slugs; tracking ids and
# tokens are letters, digits, "-" and "_"), so the last dot starts the format.
_NAME = r"(?P<{}>[^/.]{{1,100}})"
_FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    path("v2/", views.discovery, {"fmt": "json"}, name="root"),
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^v2/discovery" + _FMT, views.discovery, name="v2_discovery"),
    re_path(r"^v2/services" + _FMT, views.service_list, name="services"),
    re_path(
        r"^v2/services/" + _NAME.format("service_code") + _FMT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(r"^v2/requests" + _FMT, views.requests, name="requests"),
    re_path(
        r"^v2/requests/" + _NAME.format("service_request_id") + _FMT,
        views.request_detail,
        name="request_detail",
    ),
    re_path(r"^v2/tokens/" + _NAME.format("token") + _FMT, views.token_detail, name="token"),
]
