"""X (Twitter) @lapor1708: the Account Activity webhook and replies through the X API v2.

A signed mention becomes a public report, a signed direct message an anonymous one, each
through ``report_submit(channel="x")`` and handled once; media are fetched afterwards by a
worker; replies go through the notification outbox. Details: docs/channels.md.
"""
