app_name = "accounts"

# Profile and API-token pages; allauth's sign-up, login and e-mail pages sit beside these.
urlpatterns: list = []
