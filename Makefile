# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench lint serve clean pango test-debs translations

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Catalogues (webapp/translations): extract every _() of the code and templates (babel.cfg) into
# messages.pot, merge it into each language's messages.po (new strings arrive empty: translate
# them there), and compile the .mo files. The .mo files are committed, so a fresh clone, the
# tests and `make demo` need no step; tests/test_i18n.py fails when a .po lags the code or a .mo its .po.
I18N      := webapp/translations
I18N_LANGS := fr de es it pt
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext --no-location --sort-output --omit-header \
	    -o $(I18N)/messages.pot .
	@for l in $(I18N_LANGS); do \
	  if [ -f $(I18N)/$$l/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update -i $(I18N)/messages.pot -d $(I18N) -l $$l --no-fuzzy-matching; \
	  else $(VENV)/bin/pybabel init -i $(I18N)/messages.pot -d $(I18N) -l $$l; fi; done
	$(VENV)/bin/pybabel compile -d $(I18N) --statistics

demo: $(STAMP) pango
	$(PY) run.py demo

# test-only JavaScript tools (Mozilla's ical.js), from the npm registry
JS_STAMP := tests/js/node_modules/.installed-stamp
$(JS_STAMP): tests/js/package.json
	cd tests/js && npm install --no-audit --no-fund --loglevel=error
	touch $(JS_STAMP)

# headless Chromium for the browser tests: Debian's package (no browser download)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

# Redis for the scale-out tests (the fixture starts its own on a free port; no system service is used)
REDIS := /usr/bin/redis-server
$(REDIS):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server

# WeasyPrint (the PDF report) needs Debian's pango libraries and a font
PANGO_LIBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pango:
	@dpkg -s $(PANGO_LIBS) >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PANGO_LIBS); }

# test-only Debian tools: poppler's pdftoppm draws the report's first page in the tests
TEST_DEBS := poppler-utils
test-debs:
	@dpkg -s $(TEST_DEBS) >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(TEST_DEBS); }

# the suite runs on as many workers as the machine has cores (pytest-xdist; TEST_WORKERS=1 for one);
# a test module stays on one worker (--dist loadscope), so its module-scoped world is built once
# and its tests run in their written order
TEST_WORKERS ?= auto
test: $(STAMP) $(JS_STAMP) $(CHROMIUM) pango $(REDIS) test-debs
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope

bench: $(STAMP) $(REDIS)
	$(PY) bench/pipeline_bench.py
	$(PY) bench/solver_bench.py
	$(PY) bench/live_bench.py
	$(PY) bench/rooms_bench.py
	$(PY) bench/breaks_bench.py
	$(PY) bench/load_bench.py
	$(PY) bench/console_bench.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts data/demo.db* data/demo-event.json
