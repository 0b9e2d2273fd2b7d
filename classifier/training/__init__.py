"""Training the embedded classifier (needs the ``train`` extra: torch, transformers).

Import the submodules directly; nothing heavy is imported here.
"""
