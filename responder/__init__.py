"""Responder: route classified mentions to private follow-ups."""
