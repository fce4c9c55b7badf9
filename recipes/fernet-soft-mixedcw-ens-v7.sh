#!/usr/bin/env bash
# fernet-soft-mixedcw-ens-v7, the photo default: the average of four versions with flip TTA, temperature only
# (prior correction τ 0), chosen on PublicTest by `python benchmarks/choose_default.py` (built 2026-12-03).
source "$(dirname "$0")/lib.sh"
V=fernet-soft-mixedcw-ens-v7
need fernet_medium-distil-v2 fernet_medium-distil-v1 fernet_small-soft-v6 fernet_small-mixed-cw-v2
fer_cli ensemble --root "$ROOT" --name $V --members fernet_medium-distil-v2 fernet_medium-distil-v1 \
    fernet_small-soft-v6 fernet_small-mixed-cw-v2 --tta flip --labels ferplus
fer_cli calibrate --model $V --root "$ROOT" --prior-tau 0
fer_cli export --model $V --root "$ROOT"
