#!/usr/bin/env bash
# Runs the DMTF Redfish Protocol Validator and Redfish Service Validator against the lab's simulated BMCs.
# Not part of `npm test`: it needs the validators and their Python dependencies, which are not npm packages.
#
# Usage: test/conformance/dmtf-validators.sh DEPS_DIR [OUT_DIR]
#   DEPS_DIR holds plain source trees (no install step), each the named GitHub repository's tree:
#     Redfish-Protocol-Validator/   DMTF/Redfish-Protocol-Validator   (run as rf_protocol_validator.py)
#     Redfish-Service-Validator/    DMTF/Redfish-Service-Validator    (run as RedfishServiceValidator.py)
#     python-redfish-library/       DMTF/python-redfish-library       (module `redfish`, from src/)
#     Redfish-Tacklebox/            DMTF/Redfish-Tacklebox            (module `redfish_utilities`)
#     aenum/                        ethanfurman/aenum
#     sseclient/                    mpetazzoni/sseclient              (module `sseclient`, PyPI sseclient-py)
#     jsonpath-ng/                  h2non/jsonpath-ng
#     Redfish-Publications/csdl/    DMTF/Redfish-Publications, only its csdl/ folder (the CSDL schemas;
#                                   the Service Validator reads them from here and downloads nothing)
#   Offline, from a clone or bare mirror of each repository:
#     git --git-dir=MIRROR archive HEAD | tar -x -C DEPS_DIR/NAME
#     git --git-dir=MIRROR archive HEAD csdl | tar -x -C DEPS_DIR/Redfish-Publications
#   The rest comes from Debian (apt-get, no pip):
#     apt-get install python3-requests python3-urllib3 python3-colorama python3-openpyxl python3-xlsxwriter \
#       python3-jsonpatch python3-ply python3-requests-toolbelt python3-requests-unixsocket \
#       python3-pyasn1 python3-pyasn1-modules
#   Commits last run (docs/redfish-conformance.md): Protocol Validator 1.2.9 (000018f5), Service Validator 3.1.6
#   (90c62b3c), python-redfish-library 3.3.5 (9c9cf45d), Redfish-Tacklebox 3.4.8 (5c6db129), Publications 2025.4.
#
# Environment: PYTHON (default /usr/bin/python3, Debian's, where the packages above are), FLEETBOOT (default: the
# current source through tsx), HOSTS (default 7: one BMC per profile with --bmc-profiles mixed).
# Exit status: 0 when every validator ran to its summary, whatever it found (findings are data, read the reports);
# non-zero when a validator or the lab could not run.
set -euo pipefail

DEPS=$(cd "${1:?usage: $0 DEPS_DIR [OUT_DIR]}" && pwd)
OUT=${2:-$(mktemp -d /tmp/fleetboot-dmtf.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
HOSTS=${HOSTS:-7}
LAB="$OUT/lab"

for d in Redfish-Protocol-Validator Redfish-Service-Validator python-redfish-library/src Redfish-Tacklebox aenum \
  sseclient jsonpath-ng Redfish-Publications/csdl; do
  [ -d "$DEPS/$d" ] || { echo "missing $DEPS/$d: see the header of $0 for how to get it" >&2; exit 2; }
done
export PYTHONPATH="$DEPS/python-redfish-library/src:$DEPS/Redfish-Tacklebox:$DEPS/aenum:$DEPS/sseclient:$DEPS/jsonpath-ng"
# requests lets these override a session's `verify`, which would make the Protocol Validator ignore --ca-bundle.
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE

fleetboot() {
  if [ -n "${FLEETBOOT:-}" ]; then $FLEETBOOT "$@"; else (cd "$REPO" && node --import tsx src/cli/main.ts "$@"); fi
}

fleetboot lab up --dir "$LAB" --hosts "$HOSTS" --port 0 --bmc-port 0 --bmc-profiles mixed
trap 'fleetboot lab down --dir "$LAB" >/dev/null || true' EXIT

# One line per host: name address port profile (read from the lab's own record).
"$PYTHON" - "$LAB/lab.json" >"$OUT/bmcs.txt" <<'EOF'
import json, sys
lab = json.load(open(sys.argv[1]))
for h in lab["hosts"]:
    b = h.get("bmc")
    if b:
        print(h["name"], b["address"], b["port"], b["profile"])
EOF

SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
while read -r name address port profile; do
  password=$(cat "$LAB/bmc-passwords/$name")
  url="https://$address:$port"
  tag="$name-$profile" # profiles repeat when HOSTS > 7

  # The Protocol Validator verifies TLS with the lab's CA. --avoid-http-redirect: the BMC serves HTTPS only.
  (cd "$DEPS/Redfish-Protocol-Validator" && "$PYTHON" rf_protocol_validator.py -u admin --password="$password" \
    -r "$url" --ca-bundle "$LAB/bmc-ca.pem" --avoid-http-redirect --report-type both \
    --report-dir "$OUT/rpv-$tag") >"$OUT/rpv-$tag.log" 2>&1 || true
  rpv=$(grep -h '^Summary' "$OUT/rpv-$tag.log" || true)
  [ -n "$rpv" ] || { echo "Protocol Validator did not finish on $name ($profile): see $OUT/rpv-$tag.log" >&2; exit 1; }

  # The Service Validator has no CA option (python-redfish-library sends verify=False unless given a cafile,
  # which the validator does not pass): TLS is not verified here. Schemas from the local CSDL copy only.
  (cd "$DEPS/Redfish-Service-Validator" && "$PYTHON" RedfishServiceValidator.py -u admin --password="$password" \
    -r "$url" --authtype Session --schema_directory "$DEPS/Redfish-Publications/csdl" --skipschema \
    --logdir "$OUT/rsv-$tag") >"$OUT/rsv-$tag.log" 2>&1 || true
  rsv=$(grep -A2 'PASS.*WARN.*FAIL' "$OUT/rsv-$tag.log" | tail -1 | tr -s ' |' ' ' || true)
  [ -n "$rsv" ] || { echo "Service Validator did not finish on $name ($profile): see $OUT/rsv-$tag.log" >&2; exit 1; }

  {
    echo "$profile ($name $url)"
    echo "  protocol validator: $rpv"
    echo "  service validator (PASS WARN FAIL NOT_TESTED):$rsv"
    awk -F'\t' '$5 == "FAIL" || $5 == "WARN" { print "  rpv " $5 " " $1 " " $2 " " $4 ": " $6 }' \
      "$OUT/rpv-$tag"/*.tsv | sort -u
    # Each finding under the resource it was found on (the log names the resource before its findings).
    awk '/ - INFO - Validating / { uri = $NF; sub(/\.\.\.$/, "", uri) }
      / - (ERROR|WARNING) - (FAIL|WARN) / { sub(/^.* - (ERROR|WARNING) - /, ""); print "  rsv " uri " " $0 }' \
      "$OUT/rsv-$tag"/*/*.log
  } >>"$SUMMARY"
done <"$OUT/bmcs.txt"

cat "$SUMMARY"
echo "reports: $OUT"
