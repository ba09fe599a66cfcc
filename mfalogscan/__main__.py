"""`python -m mfalogscan`."""

from .cli import main

main()
