"""The PO layer: catalogs, gettext's layout, plural forms, locale data, and merging."""
