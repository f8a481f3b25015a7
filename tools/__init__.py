"""Developer tools that ship with the repository (not part of the migtrace package)."""
