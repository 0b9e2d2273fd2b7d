"""Messages to the team (the digest, spike alerts): through the digest's channel and
addresses, each with an idempotency key of its own."""

from __future__ import annotations

from common.errors import ChannelError, OutcomeUnknown
from common.records import PrivateMessage, Recipient
from simak.app import App
from simak.usecases.poll import one_line


def send_to_team(app: App, key: str, subject: str, body: str, label: str) -> tuple[str, str]:
    """Send to every address of ``digest.to`` (or the webhook once): ("sent" | "unknown" |
    "failed", what happened). Once one address got it, the result is "sent" (never resend
    to those); "failed" means provably nobody got it."""
    cfg = app.settings.digest
    assert cfg is not None
    channel = app.channel_set.get(cfg.channel)
    assert channel is not None
    # an e-mail to each address; a webhook once (its receiver is one place, whatever `to` says)
    mailed = [Recipient("team", "", email=a) for a in cfg.to] if cfg.channel == "email" else []
    targets = mailed or [Recipient("team", "")]
    sent = 0
    for recipient in targets:
        message = PrivateMessage(
            idempotency_key=f"{key}-{recipient.email or 'hook'}",
            recipient=recipient,
            subject=subject,
            body=body,
            kind="team",
            lang=cfg.lang,
            label=label,
        )
        try:
            channel.send(message)
            sent += 1
        except OutcomeUnknown as exc:
            return "unknown", app.redact(one_line(exc))
        except ChannelError as exc:
            if sent:  # some went out: never send those again
                return "sent", f"sent to {sent} of {len(targets)}; {app.redact(one_line(exc))}"
            return "failed", app.redact(one_line(exc))
    return "sent", f"sent to {sent} recipient(s) via {cfg.channel}"
