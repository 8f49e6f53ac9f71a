#!/bin/sh
# Rewrites the golden statements and reports under Tests/EndToEndTests/Fixtures/statements/
# from the current build (StatementTests with SENDLEDGER_REGENERATE=1). Review the diff of the
# JSONL files before committing: they are the readable twins of the workbooks.
set -eu
cd "$(dirname "$0")/../../.."
SCRATCH=${SCRATCH:-.build-reports}
swift build --scratch-path "$SCRATCH"
SENDLEDGER_REGENERATE=1 swift test --scratch-path "$SCRATCH" --filter "StatementTests/golden"
git status --short Tests/EndToEndTests/Fixtures/statements
