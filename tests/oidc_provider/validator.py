from oauth2_provider.oauth2_validators import OAuth2Validator

EMAIL_VERIFIED_GROUP = "email-verified"


class Validator(OAuth2Validator):
    """The claims a government identity provider sends: the name, the e-mail address and
    whether the provider has verified it (membership of a group here)."""

    def get_additional_claims(self, request):
        user = request.user
        return {
            "name": user.get_full_name(),
            "email": user.email,
            "email_verified": user.groups.filter(name=EMAIL_VERIFIED_GROUP).exists(),
        }
