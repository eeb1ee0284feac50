# The two quickstart commands: `make run` (install, build the index from corpus/, serve) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run search test install index lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: the local CPU build; nothing later may pull another torch.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,st,e5,llama,chroma,postgres]' torch==2.13.0
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(BIN)/resnav ingest

run: index
	$(BIN)/resnav serve

search: index
	$(BIN)/resnav search

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check api assistant bench cli eval ingest prompts retriever tests
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var
