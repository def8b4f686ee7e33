#!/bin/sh
# Arguments arrive as OPSROOM_ARG_<NAME> variables (and as JSON on stdin); never eval them.
set -eu
exec df -h -- "${OPSROOM_ARG_PATH:-/}"
