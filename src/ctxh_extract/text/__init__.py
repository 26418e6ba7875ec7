"""Text: clean the decoded text, tell body from page furniture, read metadata, split sentences."""
