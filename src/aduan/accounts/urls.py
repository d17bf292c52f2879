from django.urls import path

from . import views

app_name = "accounts"

# Profile and API-token pages; allauth's sign-up, login and e-mail pages sit beside these.
urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("token/", views.api_tokens, name="api_tokens"),
    path("token/<int:token_id>/cabut/", views.api_token_revoke, name="api_token_revoke"),
]
