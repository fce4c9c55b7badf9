#!/usr/bin/env bash
# fernet_medium-soft-v1 (removed 2026-12-03; a member of the teachers ens-v5 and ens-v6): fernet_medium on FER+'s
# vote shares, 50 epochs (trained 2026-12-02, two threads), weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_medium-soft-v1
fer_cli train --name $V --out-dir "$ROOT" --model fernet_medium --labels ferplus-soft --epochs 50 --batch-size 128 \
    --lr 0.1 --scheduler onecycle --label-smoothing 0.1 --augment standard --eval-tta flip --seed 8 --threads 2
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT" --half-weights
