# vsgitops — the two commands a newcomer runs are `make demo` and `make test`.
# Both install from package-lock.json, build, and run; nothing needs installing by hand.
SHELL := /bin/bash
NODE_MODULES_STAMP := node_modules/.package-lock.json

.PHONY: install build test demo bench clean validate-examples reliability deb

$(NODE_MODULES_STAMP): package.json package-lock.json
	@# npm ci empties node_modules first, through a symbolic link too: a worktree whose
	@# node_modules links to another checkout's install would wipe that install
	@if [ -L node_modules ]; then echo "node_modules is a symbolic link to $$(readlink node_modules): not running npm ci through it (install for real: rm node_modules && make install)" >&2; exit 1; fi
	npm ci --no-audit --no-fund
	@touch $(NODE_MODULES_STAMP)

install: $(NODE_MODULES_STAMP)

# tsc, then the version and git commit stamped into dist/src/build-info.json (vsgitops --version)
build: install
	npm run build --silent

test: build
	npx ava

demo: build
	bash scripts/demo.sh

# `make bench` measures validate/observe/plan at 100, 1,000 and 10,000 guests, apply of 100 guests
# (BENCHMARKS.md), then the agent's commit-to-converged latency and idle cost (docs/agent-bench.md).
# Quicker: node dist/bench/run.js --sizes 100,1000 ; node dist/bench/agent-latency.js --runs 3
bench: build
	node dist/bench/run.js
	node dist/bench/agent-latency.js

# The kill -9 campaign (issue 14): 50 applies killed at random points on a simulated host, each followed
# by one more apply that must converge with nothing lost. Prints `kill campaign: runs N, converged N, lost N`.
reliability: build
	node dist/test/reliability/kill-campaign.js --runs 50

# a Debian package (dpkg-deb, fakeroot): /usr/bin/vsgitops, the systemd unit, /etc/vsgitops/agent.yaml, man page
deb: build
	bash scripts/build-deb.sh

validate-examples: build
	node dist/src/cli/main.js validate examples/desired-state

clean:
	rm -rf dist .demo .bench
