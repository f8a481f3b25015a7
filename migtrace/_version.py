"""The package version, apart from the façade so that no layer below it imports `migtrace`."""

__version__ = "0.1.0"
