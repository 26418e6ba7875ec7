"""Run: one article through every stage (process), and many articles through workers (pipeline)."""
