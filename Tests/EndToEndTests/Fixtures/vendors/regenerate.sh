#!/bin/sh
# Rewrites the golden canonical JSONL of every vendor sample (Tests/EndToEndTests/Fixtures/
# vendors/<profile>/<account>/<file>.jsonl) from the current build: what
# `sendledger vendors check --vendor <profile> --canonical-jsonl samples/inbox/<profile>/<account>/<file>`
# prints. VendorGoldenTests compares them byte for byte. Review the diff before committing.
set -eu
cd "$(dirname "$0")/../../../.."
SCRATCH=${SCRATCH:-.build}
swift build --scratch-path "$SCRATCH" --product sendledger
bin="$SCRATCH/debug/sendledger"
golden=Tests/EndToEndTests/Fixtures/vendors
find "$golden" -name '*.jsonl' -delete
for file in samples/inbox/*/*/*; do
    relative=${file#samples/inbox/}
    profile=${relative%%/*}
    [ "$profile" = canonical ] && continue
    mkdir -p "$golden/$(dirname "$relative")"
    "$bin" vendors check --vendor "$profile" --canonical-jsonl "$file" > "$golden/$relative.jsonl"
done
git status --short "$golden"
