#!/usr/bin/env bash
# Regenerate migrations/versions/0001_initial_schema.py from the models.
# Only while no release has shipped: afterwards every schema change is a new migration.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
target=migrations/versions/0001_initial_schema.py
mv "$target" "$tmp/old.py"
if ! DRAFTING_INSTANCE="$tmp" .venv/bin/flask --app wsgi db migrate -m "initial schema" >"$tmp/log" 2>&1; then
  mv "$tmp/old.py" "$target"; cat "$tmp/log"; exit 1
fi
generated=$(ls migrations/versions/*_initial_schema.py | grep -v 0001_ | head -1)
id=$(basename "$generated" | cut -d_ -f1)
sed -i "s/$id/0001_initial/g" "$generated"
mv "$generated" "$target"
rm -rf "$tmp"
echo "regenerated $target"
