# Common tasks. The two a new user needs (README): `make run` and `make test`.
PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
DB       ?= data/ctxh.duckdb
EVAL_DB  ?= data/eval.duckdb
REAL_DB  ?= data/eval-real.duckdb
STAMP    := $(VENV)/.installed
SHARED   ?= ../shared

.PHONY: run test install eval bench profile report screenshot browser-deps old-clients gazetteer check-rules docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,xlsx,dask,warc]'
	touch $(STAMP)

install: $(STAMP)

## run: install, then extract the seed articles into $(DB) and print the summary
run: $(STAMP)
	$(BIN)/ctxh extract seeds --db $(DB)
	@echo "ctxh is installed in $(VENV): run 'source $(VENV)/bin/activate' and then 'ctxh --help', or call $(BIN)/ctxh directly"

## test: install (with the browser the report test uses and the DuckDB 1.x clients), then run every test
test: $(STAMP) browser-deps old-clients
	$(BIN)/pytest -q

## eval: extract every gold article and score it against data/gold, then the real articles against data/gold/real, with the CI thresholds
eval: $(STAMP)
	rm -f $(EVAL_DB)
	$(BIN)/ctxh extract seeds data/gold/articles --db $(EVAL_DB) --quiet
	$(BIN)/ctxh evaluate --gold data/gold --db $(EVAL_DB) --require-all --thresholds .ci/thresholds.json
	rm -f $(REAL_DB)
	$(BIN)/ctxh extract data/gold/real/articles --db $(REAL_DB) --quiet
	$(BIN)/ctxh evaluate --gold data/gold/real --db $(REAL_DB) --require-all --thresholds .ci/thresholds_real.json

## browser-deps: Debian's headless Chromium for the report test (never downloaded by a test tool)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

## old-clients: DuckDB 1.x (the duckdb-cli command-line client, Python duckdb 1.1) from PyPI in .cache/old-duckdb,
## made once, for the tests that open our files as journalists' clients do (tests/old_clients.py)
old-clients: $(STAMP)
	$(BIN)/python tests/old_clients.py

## report / screenshot: the review page for $(DB), and a PNG of it to look at
report: $(STAMP)
	$(BIN)/ctxh report --db $(DB) --out data/report.html

screenshot: report browser-deps
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	  --disable-component-update --disable-sync --user-data-dir=$$(mktemp -d) --window-size=1400,2400 \
	  --screenshot=$(CURDIR)/data/report.png file://$(CURDIR)/data/report.html
	@echo "wrote data/report.png"

## bench: build a 10,000-article corpus and measure speed, memory and the stage split
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py

## gazetteer: rebuild rules/gazetteer/provinces.json from rules/gazetteer/sources/
gazetteer:
	$(PY) scripts/build_gazetteer.py

check-rules: $(STAMP)
	$(BIN)/ctxh check-rules

## docs: copy the annotation guide and the contract from $(SHARED) into docs/ (tests/test_docs.py checks them)
docs:
	@test -d $(SHARED) || (echo "error: $(SHARED) not found (set SHARED=DIR)"; exit 2)
	cp $(SHARED)/ANNOTATION.md $(SHARED)/CONTRACT.md docs/

clean:
	rm -rf $(VENV) .cache .pytest_cache data/*.duckdb data/*.duckdb.wal data/export data/report.html data/report-p*.html data/report.png bench/out
