# Two entry points for a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

$(BIN)/zslkit: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[test,viz,dask]'
	touch $(BIN)/zslkit

install: $(BIN)/zslkit

demo: install
	$(BIN)/zslkit run --plugins srn,recon --dataset synthetic

test: install
	$(BIN)/python -m pytest -q

.PHONY: install demo test
