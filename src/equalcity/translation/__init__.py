"""Translators' work over a repository: extract, init/update, build, format, upload."""
