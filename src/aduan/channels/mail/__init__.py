"""Reports by e-mail: an SMTP listener or an IMAP mailbox feeds ``services.mail_receive``.

Named ``mail`` rather than ``email`` so that it never shadows the standard library's
``email`` package.
"""
