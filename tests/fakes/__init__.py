"""Local fakes of every private channel's provider, for channel tests and end-to-end runs.

Each HTTP fake is a Flask app served on 127.0.0.1 (``werkzeug.serving.make_server`` on
port 0, in a thread) that counts the private messages it received per recipient and can
be told to fail the next requests: ``fail_next(status)`` (refused, not delivered, or
``delivered=True`` for a 5xx after the message was stored), ``hang_next()`` (stores the
message, then answers only after the client gave up) and ``drop_next()`` (stores it, then
closes the connection without an answer).

- :class:`tests.fakes.reddit.FakeReddit`      Reddit OAuth + ``/api/compose/`` + user about
- :class:`tests.fakes.x.FakeX`                X API v2 DMs, DM events, user lookup
- :class:`tests.fakes.mastodon.FakeMastodon`  statuses (Idempotency-Key), lookup, own statuses
- :class:`tests.fakes.bluesky.FakeBluesky`    createSession + chat proxy (availability, send)
- :class:`tests.fakes.smtp.SmtpSink`          aiosmtpd: counts mail; TLS/STARTTLS/AUTH; drops
- :class:`tests.fakes.webhook.WebhookReceiver` verifies Standard Webhooks signatures, dedups

``tests.fakes.fixtures`` has pytest fixtures for all of them and ready channel options.
"""
