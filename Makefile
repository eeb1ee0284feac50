# The two quickstart commands: `make run` (install, build the index from corpus/, serve) and `make test`.
# One .venv, two stamps: `make run` installs the runtime only (no extras); `make test` adds every extra the tests
# need to the same .venv, so `make test` after `make run` installs only what is missing.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
FULL    := $(VENV)/.installed-full
EXTRAS  := dev,st,e5,llama,chroma,postgres

.PHONY: run search test install install-full index lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $(RUNTIME)

$(FULL): pyproject.toml | $(BIN)/python
	# torch first and pinned: the local CPU build; nothing later may pull another torch.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[$(EXTRAS)]' torch==2.13.0
	touch $(FULL) $(RUNTIME)

install: $(RUNTIME)

install-full: $(FULL)

index: $(RUNTIME)
	$(BIN)/resnav ingest

run: index
	$(BIN)/resnav serve

search: index
	$(BIN)/resnav search

lint: $(FULL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check api assistant bench cli eval ingest prompts retriever tests
	$(BIN)/lint-imports
	$(BIN)/mypy  # the packages and overrides of [tool.mypy] in pyproject.toml

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var
