#!/usr/bin/env bash
# fernet_medium-distil-v1: fernet_medium taught by ens-v5 (offline: the teacher's answers computed once), half
# FER+'s vote shares and half the teacher's answers, 50 epochs (trained 2026-12-03 in two parts, two threads),
# weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_medium-distil-v1
need fernet-soft-mixedcw-ens-v5
fer_cli train --name $V --out-dir "$ROOT" --model fernet_medium --labels ferplus-soft \
    --teacher "$ROOT/fernet-soft-mixedcw-ens-v5" --distill-mode offline --distill-alpha 0.5 --epochs 50 \
    --batch-size 128 --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard --eval-tta flip \
    --seed 13 --threads 2
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT" --half-weights
