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

# need VERSION...: make sure each is in $ROOT (copied from checkpoints/ with FER_RECIPE_REUSE=1, else made by
# its own recipe)
need() {
    local version
    for version in "$@"; do
        if [ -f "$ROOT/$version/card.json" ]; then continue; fi
        if [ "${FER_RECIPE_REUSE:-0}" = 1 ] && [ -d "checkpoints/$version" ]; then
            cp -r "checkpoints/$version" "$ROOT/$version"
        else
            bash "recipes/$version.sh"
        fi
    done
}
