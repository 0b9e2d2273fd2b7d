"""Classifier: tag texts as praise, complaint or idea."""
