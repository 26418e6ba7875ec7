"""Review: check what was extracted, against gold annotations (evaluate) or by eye (report)."""
