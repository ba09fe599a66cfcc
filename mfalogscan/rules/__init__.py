"""Classification rules: kept as data (default.toml), loaded and validated at start-up."""
