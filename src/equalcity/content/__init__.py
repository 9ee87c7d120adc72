"""The English source: Markdown ⇄ segments, the templates derived from it, and the UI text."""
