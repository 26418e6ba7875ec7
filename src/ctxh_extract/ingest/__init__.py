"""Ingest: find the articles under the paths given and decode each into text (files, JSONL lines, HTML pages)."""
