"""`python -m simak` runs the CLI."""

from simak.cli import main

main()
