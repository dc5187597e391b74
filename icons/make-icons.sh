#!/usr/bin/env bash
# Draws the Casefile app icon (a white case folder with "CF" on a blue tile) with ImageMagick 6
# and writes the RGBA PNG sizes Tauri needs. Run from anywhere; output lands next to this script.
set -euo pipefail
cd "$(dirname "$0")"
im=/usr/bin/convert   # some machines put a stand-in `convert` earlier on PATH
master=$(mktemp --suffix=.png)
trap 'rm -f "$master"' EXIT

"$im" \
  \( -size 1024x1024 gradient:'#3b6fc9-#1d3f80' \) \
  \( -size 1024x1024 xc:black -fill white -draw 'roundrectangle 24,24 1000,1000 220,220' \) \
  -alpha off -compose CopyOpacity -composite -compose Over \
  -fill '#e8eefb' -draw 'roundrectangle 200,270 470,420 40,40' \
  -fill white -draw 'roundrectangle 200,330 824,790 56,56' \
  -fill '#1d3f80' -font DejaVu-Sans-Bold -pointsize 300 -gravity center \
  -annotate +0+70 'CF' \
  "PNG32:$master"

for size in 32 128 256; do
  "$im" "$master" -filter Lanczos -resize "${size}x${size}" "PNG32:${size}x${size}.png"
done
