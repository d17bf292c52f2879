"""The government identity provider: allauth's generic OpenID Connect, made strict.

allauth skips the ID token's signature when the token came straight from the token
endpoint (the specification allows it over TLS) and sends no nonce. Here every ID token is
checked against the provider's published keys, must carry the nonce this browser's sign-in
started with, and the user info must be about the same subject.
"""
