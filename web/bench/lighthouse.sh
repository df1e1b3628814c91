#!/usr/bin/env bash
# Lighthouse (npm `lighthouse`, pinned below) in Debian's Chromium against a running gateway, on the search page
# and a tour page; prints each category's score and writes the reports under web/bench/.lighthouse/.
#   make run &                                   # or any gateway serving the built app
#   TOURBOOK_URL=http://127.0.0.1:8000 web/bench/lighthouse.sh
set -euo pipefail
cd "$(dirname "$0")"
url=${TOURBOOK_URL:-http://127.0.0.1:8000}
version=13.5.0
out=.lighthouse
mkdir -p "$out"
tour=$(curl -sf "$url/v1/tours?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
flags="--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync"
for page in "search=$url/" "tour=$url/tours/$tour"; do
    name=${page%%=*} target=${page#*=}
    npx --yes "lighthouse@$version" "$target" --quiet --output=json --output-path="$out/$name.json" \
        --only-categories=performance,accessibility,best-practices --chrome-flags="$flags" >/dev/null
    python3 - "$name" "$out/$name.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[2]))
scores = {key: round(value["score"] * 100) for key, value in report["categories"].items()}
print(sys.argv[1], report["finalDisplayedUrl"], scores)
PY
done
