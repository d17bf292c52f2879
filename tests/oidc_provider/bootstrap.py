"""Migrate the provider's database and register the client and the people (from
OIDC_CLIENT and OIDC_PEOPLE, JSON) before the server starts."""

import json
import os

import django

if __name__ == "__main__":
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from oidc_provider.validator import EMAIL_VERIFIED_GROUP

    call_command("migrate", verbosity=0)
    client = json.loads(os.environ["OIDC_CLIENT"])
    Application.objects.create(
        name="Aduan",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=client["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
    )
    verified = Group.objects.create(name=EMAIL_VERIFIED_GROUP)
    for person in json.loads(os.environ["OIDC_PEOPLE"]):
        user = User.objects.create_user(
            person["username"], person["email"], person["password"], first_name=person["name"]
        )
        if person["email_verified"]:
            user.groups.add(verified)
