"""What every stage shares and nothing else: the error hierarchy, the records that
cross stage boundaries, and small text helpers.

``common`` imports nothing from Simak, so listeners, classifier, responder and storage
can all depend on it without depending on each other or on the composition root.
"""
