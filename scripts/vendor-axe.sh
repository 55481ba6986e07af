#!/usr/bin/env bash
# Re-fetch the axe-core copy the accessibility tests inject (tests/vendor/axe-core/), from the
# npm registry through `npm pack`, and refuse it unless the package's sha512 matches the
# integrity pinned below (the one the registry published for this version). Tests never fetch
# anything: they read the committed files. To move to another version, change both lines,
# taking the integrity from `npm view axe-core@VERSION dist.integrity`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.14.1
INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==
TARGET=tests/vendor/axe-core

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tarball="$work/axe-core-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "axe-core $VERSION: integrity mismatch" >&2
  echo "  expected $INTEGRITY" >&2
  echo "  got      $actual" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work"
mkdir -p "$TARGET"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$work/package/LICENSE-3RD-PARTY.txt" "$TARGET/"
echo "axe-core $VERSION ($INTEGRITY) is in $TARGET"
