"""SMS 1708 through Kannel.

Kannel's smsbox calls ``views.inbound`` (its ``get-url``) for every SMS that arrives and
sends the plain-text answer back as the reply SMS; status changes and responses reach
SMS-only reporters through the notification outbox (``sender.py``, Kannel's sendsms).
The commands are in ``parser.py``, what they do in ``services.py``; the gateway's
configuration is ``deploy/kannel/``.
"""
