#!/usr/bin/env bash
# fernet_medium-fer2013-v2: fernet_medium-distil-v1 fine-tuned on FER2013's labels, on a 112-minute schedule
# (35 epochs when trained on 2026-12-04, two threads), weights stored in fp16.
source "$(dirname "$0")/lib.sh"
V=fernet_medium-fer2013-v2
need fernet_medium-distil-v1
fer_cli train --name $V --out-dir "$ROOT" --init-from "$ROOT/fernet_medium-distil-v1" --labels fer2013 \
    --augment strong --label-smoothing 0.1 --lr 0.03 --scheduler onecycle --epochs 300 --batch-size 128 \
    --eval-tta flip --seed 22 --threads 2 --budget-minutes 112
fer_cli calibrate --model $V --root "$ROOT"
fer_cli export --model $V --root "$ROOT" --half-weights
