"""campaign: listening logs in, a data-storytelling billboard campaign out.

The CLI (`campaign.cli`) is a thin shell over this library; a notebook can call the same stages.
"""

__version__ = "0.1.0"
