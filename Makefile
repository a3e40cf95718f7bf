# Q&Aid: `make run` starts the whole demo network, `make test` runs every test. Both install what
# is missing first. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
BOT := .venv-bot/bin
BUNDLES := var/bundles/.built
RASA_MODEL := bot/models/qaid.tar.gz
ML_SOURCES := $(wildcard ml/*.py) qaid/bundle.py qaid/imaging.py qaid/config.py
# What the trained Rasa model depends on: its config, domain, training data and the custom NLU component.
BOT_SOURCES := bot/config.yml bot/domain.yml $(shell find bot/data -name '*.yml') $(wildcard bot/addons/*.py)

.PHONY: run stop test setup setup-browser bundles eval rasa-model lint test-platform test-bot test-rasa test-e2e clean

run: setup bundles rasa-model
	@$(PY) -m qaid.network run

stop:
	@$(PY) -m qaid.network stop

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh --browser

bundles: setup $(BUNDLES)
$(BUNDLES): $(ML_SOURCES)
	@echo "Building the demo model bundles (each demo hospital trains its own models)…"
	$(PY) -m ml.build_bundles
	@touch $@

# Every model figure beside its trivial baselines, on the demo test split and on real images shipped
# in installed packages (split by source; see docs/models.md). Deterministic.
eval: setup bundles
	$(PY) -m ml.real_eval build
	$(PY) -m ml.real_eval report --json var/eval/report.json

rasa-model: setup $(RASA_MODEL)
$(RASA_MODEL): $(BOT_SOURCES)
	@echo "Training the Rasa model…"
	cd bot && ../$(BOT)/rasa train --fixed-model-name qaid --out models --quiet
	@touch $@

test: setup lint setup-browser bundles rasa-model test-platform test-bot test-rasa test-e2e

lint:
	$(PY) -m ruff check .

test-platform:
	$(PY) -m pytest tests --ignore=tests/bot --ignore=tests/channels --ignore=tests/e2e -q

test-bot:
	$(BOT)/python -m pytest tests/bot tests/channels -q -p no:cacheprovider

test-rasa:
	cd bot && ../$(BOT)/rasa data validate --fail-on-warnings --quiet
	cd bot && ../$(BOT)/rasa test core --stories tests/test_stories.yml --model models/qaid.tar.gz --fail-on-prediction-errors --out ../var/rasa-results --quiet

test-e2e:
	$(PY) -m pytest tests/e2e -q

clean:
	rm -rf var bot/models bot/.rasa
