#!/bin/sh
# Fetch plotly.js-cartesian-dist-min VERSION from the npm registry into workbook/vendor/.
# Build time only: nothing fetches at test or run time. Prints the sha256 for PROVENANCE.md.
set -eu
version="${1:?usage: regenerate.sh VERSION  (plotly.offline.get_plotlyjs_version())}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-cartesian-dist-min@$version" >/dev/null)
tar -xzf "$work"/plotly.js-cartesian-dist-min-"$version".tgz -C "$work"
cp "$work/package/plotly-cartesian.min.js" "$here/plotly-cartesian.min.js"
cp "$work/package/LICENSE" "$here/LICENSE.plotly.js"
head -2 "$here/plotly-cartesian.min.js"
sha256sum "$here/plotly-cartesian.min.js"
