#!/usr/bin/env bash
# The main job, end to end, on a simulated host:
#   a git repository made from examples/desired-state -> plan -> apply -> converged host -> empty plan.
set -euo pipefail
cd "$(dirname "$0")/.."
VS="node dist/src/cli/main.js"
DEMO=.demo
rm -rf "$DEMO"
mkdir -p "$DEMO"
export VSGITOPS_LOG_LEVEL=${VSGITOPS_LOG_LEVEL:-warn}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Creating a git repository from examples/desired-state"
mkdir -p "$DEMO/repo"
cp -r examples/desired-state "$DEMO/repo/desired-state"
git -C "$DEMO/repo" init -q -b main
git -C "$DEMO/repo" add -A
git -C "$DEMO/repo" -c user.name=demo -c user.email=demo@example.invalid commit -q -m "fleet: initial desired state"
echo "revision $(git -C "$DEMO/repo" rev-parse --short HEAD)"

step "Validating the revision"
$VS validate --repo "$DEMO/repo" --path desired-state

step "Creating a simulated VServer host named host-a"
$VS sim init "$DEMO/host-a" --name host-a
SRC=(--repo "$DEMO/repo" --path desired-state --host "sim:$DEMO/host-a")

step "Plan (exit code 2 = changes pending)"
set +e
$VS plan "${SRC[@]}"
rc=$?
set -e
echo "(plan exited $rc)"

step "Apply"
$VS apply "${SRC[@]}" --yes

step "The converged host (vsgitops observe)"
$VS observe --host "sim:$DEMO/host-a"

step "What util-vserver sees (vserver-stat on the simulated host)"
"$DEMO/host-a/bin/vserver-stat"

step "A second plan: nothing left to do (exit code 0)"
$VS plan "${SRC[@]}"
echo "(plan exited $?)"
