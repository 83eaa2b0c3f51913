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

for HOST in vs-fra1 vs-ams1; do
  case $HOST in
    vs-fra1) LABELS=(--label site=fra1 --label tier=frontend) ;;
    vs-ams1) LABELS=(--label site=ams1 --label tier=backend) ;;
  esac
  step "Creating a simulated VServer host named $HOST, and storing its identity (name and labels)"
  $VS sim init "$DEMO/$HOST" --name "$HOST"
  $VS host init --host "sim:$DEMO/$HOST" "${LABELS[@]}"
  SRC=(--repo "$DEMO/repo" --path desired-state --host "sim:$DEMO/$HOST")
  # The examples build from a template tarball and a golden guest that a real host would have;
  # stage them on the simulated host (its file system is rooted at its directory).
  mkdir -p "$DEMO/$HOST/srv/templates" "$DEMO/$HOST/vservers/golden-bookworm"
  # a small but real template tarball: the template build extracts it into the guest root
  mkdir -p "$DEMO/template-root/etc"
  echo "debian-12 template (demo)" > "$DEMO/template-root/etc/motd"
  tar -cJf "$DEMO/$HOST/srv/templates/debian-12-postgresql.tar.xz" -C "$DEMO/template-root" .

  step "[$HOST] Plan (exit code 2 = changes pending)"
  set +e
  $VS plan "${SRC[@]}"
  rc=$?
  set -e
  echo "(plan exited $rc)"

  step "[$HOST] Apply"
  $VS apply "${SRC[@]}" --yes

  step "[$HOST] The converged host (vsgitops observe)"
  $VS observe --host "sim:$DEMO/$HOST"

  step "[$HOST] What util-vserver sees (vserver-stat on the simulated host)"
  "$DEMO/$HOST/bin/vserver-stat"

  step "[$HOST] A second plan: nothing left to do (exit code 0)"
  $VS plan "${SRC[@]}"
  echo "(plan exited $?)"
done

step "Done. Try: node dist/src/cli/main.js drift --repo $DEMO/repo --path desired-state --host sim:$DEMO/vs-fra1"
