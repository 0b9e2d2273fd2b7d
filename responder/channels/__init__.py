"""Private channels, one module each, all implementing :class:`responder.base.Channel`."""
