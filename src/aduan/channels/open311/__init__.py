"""Open311 GeoReport v2 at ``/open311/v2/``: the public's reports read by any Open311 client,
and new reports posted by organisations that hold an API key from the national admin.

See ``views.py`` for the endpoints and ``services.py`` for who is trusted with what.
"""
