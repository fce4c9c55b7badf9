#!/usr/bin/env bash
# fernet_small-rt-v3, kept for comparison: learned on 2026-11-30 from an earlier copy of FER2013 (histogram-
# equalised, out of Kaggle's row order; replaced on 2026-12-01) with the teacher fernet_small-cpu-v4-ens, removed
# since. Neither exists any more, so this version cannot be made again; the command it was trained with, from
# its card, runs only where FER_DATA names that copy and the teacher is in $FER_RECIPE_ROOT.
source "$(dirname "$0")/lib.sh"
V=fernet_small-rt-v3
if [ ! -f "$ROOT/fernet_small-cpu-v4-ens/card.json" ]; then
    echo "$V: its teacher fernet_small-cpu-v4-ens and its data (an earlier copy of FER2013) no longer exist" >&2
    exit 1
fi
fer_cli train --name $V --out-dir "$ROOT" --model fernet_small --epochs 60 --batch-size 128 --optimizer sgd \
    --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard --eval-tta flip \
    --teacher "$ROOT/fernet_small-cpu-v4-ens" --threads 1 --seed 5
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT"
