#!/usr/bin/env bash
# fernet_medium-fer2013-v1: fernet_medium-distil-v2 fine-tuned on FER2013's labels, on a 130-minute schedule
# (40 epochs when trained on 2026-12-04, two threads), weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_medium-fer2013-v1
need fernet_medium-distil-v2
fer_cli train --name $V --out-dir "$ROOT" --init-from "$ROOT/fernet_medium-distil-v2" --labels fer2013 \
    --augment strong --label-smoothing 0.1 --lr 0.03 --scheduler onecycle --epochs 300 --batch-size 128 \
    --eval-tta flip --seed 21 --threads 2 --budget-minutes 130
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT" --half-weights
