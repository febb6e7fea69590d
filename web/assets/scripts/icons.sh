#!/bin/sh
# Renders the PNG icons from src/images/icon-mask.svg with headless Chromium.
# Run by hand after changing the mark (the PNGs are committed; `make assets`
# only copies them).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in apple-touch-icon:180 icon-192:192 icon-512:512; do
  name=${spec%%:*}; size=${spec##*:}
  cat > "$tmp/i.html" <<HTML
<!doctype html><html><head><style>html,body{margin:0;overflow:hidden}img{display:block}</style></head>
<body><img src="file://$PWD/src/images/icon-mask.svg" width="$size" height="$size" alt=""></body></html>
HTML
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --screenshot="$tmp/$name.png" \
    --window-size="$size,$size" "file://$tmp/i.html" >/dev/null 2>&1
  cp "$tmp/$name.png" "src/images/$name.png"
done
