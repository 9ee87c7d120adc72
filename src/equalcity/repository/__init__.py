"""The content repository: where things live, the one read model (``Snapshot``), and git."""
