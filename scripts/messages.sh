#!/usr/bin/env bash
# Extract and compile the gettext catalogues in flagdesk/locale (S15). The .mo files are
# committed, so CI and `make run` never need gettext to show French, Dutch or German.
# Run after adding or changing translatable strings; then translate the new entries in
# flagdesk/locale/<lang>/LC_MESSAGES/django.po and run this again to compile.
set -euo pipefail
cd "$(dirname "$0")/../flagdesk"

FLAGDESK=${FLAGDESK:-../.venv/bin/flagdesk}
LANGS=(-l fr -l nl -l de)
IGNORE=(--ignore 'tests/*' --ignore '*/tests/*' --ignore 'migrations/*' --ignore '*/migrations/*')

mkdir -p locale
"$FLAGDESK" makemessages "${LANGS[@]}" --no-location "${IGNORE[@]}"
# JavaScript catalogue only when a static script actually calls gettext().
if grep -rqE '\b(n|p)?gettext\(|\binterpolate\(' --include='*.js' . 2>/dev/null; then
  "$FLAGDESK" makemessages -d djangojs "${LANGS[@]}" --no-location "${IGNORE[@]}"
fi
"$FLAGDESK" compilemessages --ignore '.venv'
