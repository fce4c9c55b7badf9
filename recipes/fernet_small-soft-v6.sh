#!/usr/bin/env bash
# fernet_small-soft-v6: fernet_small on FER+'s vote shares, 72 epochs (trained 2026-12-02, one thread).
source "$(dirname "$0")/lib.sh"
V=fernet_small-soft-v6
fer_cli train --name $V --out-dir "$ROOT" --model fernet_small --labels ferplus-soft --epochs 72 --batch-size 128 \
    --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard --eval-tta flip --seed 6 --threads 1
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT"
