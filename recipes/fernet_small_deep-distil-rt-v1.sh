#!/usr/bin/env bash
# fernet_small_deep-distil-rt-v1, the real-time default: fernet_small_deep taught by the photo default ens-v7,
# half FER+'s vote shares and half the teacher's answers, on a 115-minute schedule (232 epochs when trained on
# 2026-12-04 in two parts, two threads), no TTA, prior correction τ 0.3.
source "$(dirname "$0")/lib.sh"
V=fernet_small_deep-distil-rt-v1
need fernet-soft-mixedcw-ens-v7
fer_cli train --name $V --out-dir "$ROOT" --model fernet_small_deep --labels ferplus-soft \
    --teacher "$ROOT/fernet-soft-mixedcw-ens-v7" --distill-mode offline --distill-alpha 0.5 --epochs 400 \
    --budget-minutes 115 --batch-size 128 --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard \
    --eval-tta none --seed 19 --threads 2
fer_cli calibrate --model $V --root "$ROOT" --prior-tau 0.3
fer_cli export --model $V --root "$ROOT"
