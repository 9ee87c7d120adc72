"""The shared SGBV termbase: loading, matching in text, and exports."""
