"""X (Twitter) @lapor1708: the Account Activity webhook and replies through the X API v2.

How a post becomes a report
---------------------------
X calls ``/kanal/x/webhook/``: a ``GET`` with ``crc_token`` (answered with the HMAC of the
consumer secret, ``signature.crc_response``) and a ``POST`` per batch of events, signed
in ``x-twitter-webhooks-signature``. An unsigned or wrongly signed POST is refused (403)
and only logged: nothing unauthenticated is stored. A signed batch is read event by event
(``payload.py``):

- a **mention** of the handle (a tweet, not a retweet, not our own) and a **direct
  message** to the account (not one we sent) become a complaint through
  ``report_submit(channel="x")``. The author's X account id, as X signs it, is the
  identity (``identity_user``), shown as ``@screen_name``. The title is the text's first
  words, the body the text without our handle and the media links. Text too short for a
  report gets an answer saying what is needed, and no report.
- **Privacy.** A mention is public on X already, so its report is as public as a web
  report. A direct message is the sender's choice not to post in public: its report is
  anonymous (the name is hidden; the text is visible like any report's).
- **Media** (photos, videos, a DM's attachment) are fetched by a worker after the report
  exists (``x_media_attach``: X wants its answer within seconds, and a web worker killed
  mid-download must not leave a post recorded with no report). Only from X's media hosts
  or the configured API host, with a timeout and the attachment size limit, then through
  ``prepare_upload`` (checked by content, EXIF stripped). One that is refused does not
  stop the report: the receipt, sent once the media are settled, says that it could not
  be accepted. A message still ``pending`` after five minutes is enqueued again by the
  sweep; two runs attach once (the message row is locked and checked); after a day it is
  settled without its media (the receipt says so), so one that always fails cannot hold
  the others back.
- **Once only.** Every tweet and DM id goes through ``inbound_receive``: X's retries and
  replayed batches create nothing new.
- **Linking to a web account.** A DM ``KLAIM <code>`` (the code shown at
  ``/akun/saluran/``) links the X account to that web account and moves its reports
  (``aduan.channels.claim``). A code in a public mention is spent and links nothing. A DM
  ``LEPAS`` undoes the link and takes back the reports it moved.
- **Deleted tweets.** The report stays (it is evidence the agency may already act on),
  and a system note only staff handling the report can read records the deletion
  (``workflow.services.report_system_note``). Nothing is shown to the public.

Replies
-------
Every answer is a row in the notifications outbox on channel ``"x"`` (``sender.py``), so
it is retried with back-off, never sent twice, and picked up by the sweep. A mention is
answered under the tweet, a DM by DM; a later status change of an X reporter's report
reaches them the same way (a report made anonymous or confidential meanwhile is told by
DM, never in the public thread). Replies carry the tracking id, the status and the link
``/lacak/<id>/`` only. A refusal (text too short) or an answer to ``KLAIM`` is sent once,
best effort. A reply X took but did not answer is failed, not retried (it may be out).

Authentication towards X: ``ADUAN_X_ACCESS_TOKEN`` is sent as ``Authorization: Bearer``.
In production it is an OAuth 2.0 user-context access token of the @lapor1708 account
(scopes ``tweet.read tweet.write users.read dm.read dm.write offline.access``).
"""
