#!/usr/bin/env bash
# fernet_medium-distil-v2: fernet_medium taught by ens-v6, half FER+'s vote shares and half the teacher's answers,
# 50 epochs on a 118-minute schedule (trained 2026-12-03, two threads), weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_medium-distil-v2
need fernet-soft-mixedcw-ens-v6
fer_cli train --name $V --out-dir "$ROOT" --model fernet_medium --labels ferplus-soft \
    --teacher "$ROOT/fernet-soft-mixedcw-ens-v6" --distill-mode offline --distill-alpha 0.5 --epochs 50 \
    --budget-minutes 118 --batch-size 128 --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard \
    --eval-tta flip --seed 15 --threads 2
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT" --half-weights
