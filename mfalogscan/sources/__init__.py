"""Everything between a path on disk and a stream of bytes to search."""
