# Two commands do all set-up on a fresh machine (Python 3.10+ and the package index):
#   make book   create .venv if needed, install, execute every notebook, build _build/html
#   make test   same environment, run the whole test suite (which also builds the book)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test env clean install-cells

env: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,test]'
	@# Build matplotlib's font cache once here, so no notebook prints the notice.
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# On every CPU (pytest-xdist; tests/conftest.py counts the CPUs and groups the book's tests).
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

# After changing repository.url/.branch in _config.yml: rewrite every notebook's Colab install cell.
install-cells: $(STAMP)
	$(BIN)/python book/_ext/install_cell.py

clean:
	rm -rf _build
