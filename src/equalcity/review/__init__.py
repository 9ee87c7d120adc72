"""Expert-panel review: the roster, the ledger, what a decision proves, and deciding."""
