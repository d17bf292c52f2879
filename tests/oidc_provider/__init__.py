"""A real OpenID Connect provider for the sign-in tests: django-oauth-toolkit with OIDC on,
run as its own process on a loopback port (tests/test_oidc_signin.py starts it).

Everything it needs comes from the environment the test gives it: the SQLite file, the
RS256 private key, the registered client and the people who may sign in.
"""
