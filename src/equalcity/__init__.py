"""equalcity: Markdown ⇄ PO translation and review pipeline for the SGBV training toolbox."""

__version__ = "0.1.0"
