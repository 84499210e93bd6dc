# Two entry points: `make run` (set up and open the app) and `make test` (set up and run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup screenshots bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/keepbooks

test: $(STAMP)
	$(BIN)/python -m pytest -q

screenshots: $(STAMP)
	$(BIN)/python -m tui.screenshots

bench: $(STAMP)
	$(BIN)/python bench/summary.py

clean:
	rm -rf $(VENV) build *.egg-info

# Extract every _() / ngettext() / N_() / NP_() string of store/ and tui/ into the template, merge it into each
# catalog (new strings arrive untranslated, changed ones fuzzy) and compile the .mo files (git-ignored).
LOCALE_DIR := store/locale
messages: $(STAMP)
	mkdir -p $(LOCALE_DIR)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k NP_:1c,2 --add-comments=Translators: --add-location=file --sort-by-file \
		--project=keepbooks --version=$$($(BIN)/python -c 'import store; print(store.__version__)') \
		--copyright-holder="the keepbooks authors" --msgid-bugs-address= -o $(LOCALE_DIR)/keepbooks.pot store tui
	for lang in en fr; do \
		if [ -f $(LOCALE_DIR)/$$lang/LC_MESSAGES/keepbooks.po ]; then \
			$(BIN)/pybabel --quiet update --ignore-obsolete -D keepbooks -l $$lang -i $(LOCALE_DIR)/keepbooks.pot -d $(LOCALE_DIR); \
		else \
			$(BIN)/pybabel --quiet init -D keepbooks -l $$lang -i $(LOCALE_DIR)/keepbooks.pot -d $(LOCALE_DIR); \
		fi; \
	done
	$(BIN)/pybabel compile --statistics -D keepbooks -d $(LOCALE_DIR)
