from django.urls import path

from . import views

app_name = "channels"

# Under /akun/ beside the profile: the citizen's linked SMS numbers and X accounts.
urlpatterns = [
    path("saluran/", views.linked_channels, name="linked"),
    path("saluran/<int:identity_id>/lepas/", views.identity_unlink, name="unlink"),
]
