"""ctxh-extract: facts about the social-work profession from Vietnamese news.

The pipeline, one module per stage::

    read -> clean -> layout (body vs. boilerplate, metadata) -> segment
         -> extract (provinces, numbers, counts, percentages) -> models -> store -> evaluate

A researcher can use it without the CLI::

    from ctxh_extract import extract_text
    result = extract_text("Năm 2023, tỉnh Hà Tĩnh đã tập huấn cho 200 cán bộ.", article_id="demo")
    result.counts[0].value   # 200
"""

__version__ = "0.1.0"
__all__ = ["__version__", "extract_file", "extract_text", "run_extract", "run_archive", "load_run"]


def __getattr__(name: str):
    # Imported lazily: the tokenizer is slow to load and `ctxh query` never needs it.
    if name in ("extract_file", "extract_text", "run_extract", "run_archive", "load_run"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
