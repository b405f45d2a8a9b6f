"""Load and validate records and catalogues; judge them; assess (pure)."""
