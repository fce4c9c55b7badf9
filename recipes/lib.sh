# Shared by the recipes: where rebuilt versions go, how the CLI is called, and how a recipe gets the versions it
# builds on. Sourced, not run.
#
#   FER_RECIPE_ROOT   where the recipes write versions (default runs/recipes; never checkpoints/)
#   FER_RECIPE_REUSE  1: take a version this recipe needs from checkpoints/ when it is shipped there, instead of
#                     training it again (the default retrains everything from the data)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="${FER_RECIPE_ROOT:-runs/recipes}"
mkdir -p "$ROOT"

fer_cli() { python -m fer "$@"; }

# need VERSION: make sure $ROOT/VERSION exists (copied from checkpoints/ with FER_RECIPE_REUSE=1, else its recipe)
need() {
    if [ -f "$ROOT/$1/card.json" ]; then return; fi
    if [ "${FER_RECIPE_REUSE:-0}" = 1 ] && [ -d "checkpoints/$1" ]; then cp -r "checkpoints/$1" "$ROOT/$1"; return; fi
    bash "recipes/$1.sh"
}
