"""Win-Back for Marley Health. README.md > Architecture maps the packages in the order data flows."""

__version__ = "0.1.0"
