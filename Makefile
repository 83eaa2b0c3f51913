# vsgitops — the two commands a newcomer runs are `make demo` and `make test`.
# Both install from package-lock.json, build, and run; nothing needs installing by hand.
SHELL := /bin/bash
NODE_MODULES_STAMP := node_modules/.package-lock.json

.PHONY: install build test demo bench clean validate-examples

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_MODULES_STAMP)

install: $(NODE_MODULES_STAMP)

build: install
	npx tsc -p tsconfig.json
	chmod +x dist/src/cli/main.js

test: build
	npx ava

demo: build
	bash scripts/demo.sh

bench: build
	node dist/bench/run.js

validate-examples: build
	node dist/src/cli/main.js validate examples/desired-state

clean:
	rm -rf dist .demo .bench
