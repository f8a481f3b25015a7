"""`python -m migtrace` works the same as the console script."""

from migtrace.cli import main

main()
