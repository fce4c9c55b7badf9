#!/usr/bin/env bash
# fernet_small-mixed-cw-v2: fernet_small on half FER2013's label and half FER+'s vote shares, the loss weighted by
# inverse class frequency, 80 epochs on a 96-minute schedule (trained 2026-12-02, one thread).
source "$(dirname "$0")/lib.sh"
V=fernet_small-mixed-cw-v2
fer_cli train --name $V --out-dir "$ROOT" --model fernet_small --labels mixed --class-weighted --epochs 80 \
    --budget-minutes 96 --batch-size 128 --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard \
    --eval-tta flip --seed 2 --threads 1
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT"
