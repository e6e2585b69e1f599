#!/usr/bin/env bash
# Installs the non-Python programs exo-onto needs when they are missing (Debian/Ubuntu, as root):
# a Java runtime for the HermiT reasoner that owlready2 bundles, Graphviz for the mechanism picture,
# Chromium with a CJK font for the test that reads the findings page in a real browser, and
# Virtuoso 7 (virtuoso-t, isql-vt) for the test that runs every stored query on a Virtuoso store.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "missing system packages: ${need[*]} (install them, e.g. with apt-get, then rerun)" >&2
    exit 1
fi
echo "installing system packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
