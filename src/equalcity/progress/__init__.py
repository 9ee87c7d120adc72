"""Progress reports: status per language and module, its history, the dashboard."""
