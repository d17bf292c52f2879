from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.integration, name="integration"),
    path("webhook/<int:pk>/", views.endpoint_log, name="endpoint_log"),
    path("webhook/<int:pk>/nonaktifkan/", views.endpoint_disable, name="endpoint_disable"),
    path("webhook/<int:pk>/aktifkan/", views.endpoint_enable, name="endpoint_enable"),
    path("webhook/<int:pk>/rahasia/", views.endpoint_secret, name="endpoint_secret"),
    path("webhook/<int:pk>/uji/", views.endpoint_test, name="endpoint_test"),
    path("webhook/<int:pk>/hapus/", views.endpoint_delete, name="endpoint_delete"),
    path("token/", views.token_create, name="token_create"),
    path("token/<int:pk>/cabut/", views.token_revoke, name="token_revoke"),
]
