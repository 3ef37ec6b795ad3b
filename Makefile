# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   - install into .venv (first time only), make the sample clip, analyse it, open the review app
#   make test   - install into .venv (first time only), run the whole test suite
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SAMPLE := sample.mp4

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "vigvision needs $(PYTHON) (CPython 3.10-3.12); set PYTHON=..."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,cluster]"
	touch $(STAMP)

install: $(STAMP)

WORKSPACE ?= vigvision-workspace
PORT      ?= 8501

demo: $(STAMP)
	$(BIN)/vigvision sample -o $(SAMPLE)
	$(BIN)/vigvision analyze $(SAMPLE)
	$(BIN)/vigvision moments $(basename $(SAMPLE)).vigvision
	$(BIN)/vigvision app --workspace $(WORKSPACE) --port $(PORT) --add $(SAMPLE)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.speed

clean:
	rm -rf $(VENV) $(SAMPLE) sample.truth.json sample.vigvision $(WORKSPACE) test-artifacts .pytest_cache
