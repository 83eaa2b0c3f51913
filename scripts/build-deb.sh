#!/usr/bin/env bash
# `make deb`: builds dist/vsgitops_VERSION_all.deb with dpkg-deb under fakeroot.
# Installs /usr/bin/vsgitops (as deploy/vsgitops.service expects), the program in /usr/lib/vsgitops
# (what `npm pack` ships plus the production dependencies), the unit in /lib/systemd/system,
# a default configuration /etc/vsgitops/agent.yaml (a conffile), the man page and shell completions.
# The package does not enable or start the agent. Needs a built tree (make build) and no network:
# the dependencies are copied from node_modules and pruned to the production ones.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in dpkg-deb fakeroot npm; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is not installed" >&2; exit 1; }
done
version=$(node -p 'require("./package.json").version')
out=${DEB_OUT:-dist/vsgitops_${version}_all.deb}
work=$(mktemp -d "${TMPDIR:-/tmp}/vsgitops-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
lib=$root/usr/lib/vsgitops

# the program: exactly the files npm pack ships (package.json "files")
npm pack --ignore-scripts --silent --pack-destination "$work" >/dev/null
mkdir -p "$lib"
tar -xzf "$work"/vsgitops-"$version".tgz -C "$lib" --strip-components=1
cp package-lock.json "$lib/"
cp -rL node_modules "$lib/node_modules"
(cd "$lib" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund && rm -f package-lock.json node_modules/.package-lock.json && find node_modules -type d -empty -delete)
chmod 0755 "$lib/dist/src/cli/main.js"

mkdir -p "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/vsgitops" "$root/usr/share/man/man1" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/usr/share/doc/vsgitops" "$root/DEBIAN"
ln -s ../lib/vsgitops/dist/src/cli/main.js "$root/usr/bin/vsgitops"
install -m 0644 deploy/vsgitops.service "$root/lib/systemd/system/vsgitops.service"
install -m 0644 deploy/agent.yaml "$root/etc/vsgitops/agent.yaml"
gzip -9n <man/vsgitops.1 >"$root/usr/share/man/man1/vsgitops.1.gz"
node "$lib/dist/src/cli/main.js" completion bash >"$root/usr/share/bash-completion/completions/vsgitops"
node "$lib/dist/src/cli/main.js" completion zsh >"$root/usr/share/zsh/vendor-completions/_vsgitops"
install -m 0644 README.md "$root/usr/share/doc/vsgitops/README.md"
echo /etc/vsgitops/agent.yaml >"$root/DEBIAN/conffiles"
size=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: vsgitops
Version: $version
Section: admin
Priority: optional
Architecture: all
Depends: nodejs (>= 20.19)
Recommends: util-vserver
Installed-Size: $size
Maintainer: vsgitops maintainers <vsgitops@example.invalid>
Description: declarative GitOps reconciler for Linux-VServer hosts
 Keeps the VServer guests of a host in line with YAML manifests in a git
 repository: validate, plan, apply with util-vserver commands, and an agent
 (vsgitops.service) that follows a branch, reports drift and raises alerts.
CONTROL
mkdir -p "$(dirname "$out")"
fakeroot dpkg-deb --build --root-owner-group "$root" "$out" >/dev/null
echo "$out"
