#!/usr/bin/env bash
# fernet_small_deep-twohead-rt-v1, the real-time default: fernet_small_deep-distil-rt-v1 with a second head for
# FER2013's labels on its own copy of the last block (a branch); the rest of the net stays as rt-v1 learned it
# (--freeze stem,stages), 15 epochs on one thread (2026-12-07). The votes head is refitted on ens-v7's answers.
# The heads' mix and class biases are chosen on PublicTest: the both-realtime rule's frontier at FER+ >= 86%.
# Weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_small_deep-twohead-rt-v1
need fernet_small_deep-distil-rt-v1 fernet-soft-mixedcw-ens-v7
fer_cli train --name $V --out-dir "$ROOT" --model fernet_small_deep --init-from "$ROOT/fernet_small_deep-distil-rt-v1" \
    --model-kwargs '{"heads": 2, "branch": 1}' --labels both --freeze stem,stages \
    --teacher "$ROOT/fernet-soft-mixedcw-ens-v7" --distill-mode offline --distill-alpha 0.5 --epochs 15 \
    --batch-size 128 --lr 0.02 --scheduler onecycle --label-smoothing 0.1 --augment standard --eval-tta none \
    --seed 44 --threads 1
python benchmarks/combine_label_sources.py --two-head "$ROOT/$V" --rule both-realtime --write --write-floor 0.86
fer_cli export --model $V --root "$ROOT" --half-weights
