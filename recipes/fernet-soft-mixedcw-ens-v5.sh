#!/usr/bin/env bash
# fernet-soft-mixedcw-ens-v5 (removed 2026-12-03; the teacher of fernet_medium-distil-v1): the average of three
# versions with flip TTA, prior correction τ 0.3 (built 2026-12-03).
source "$(dirname "$0")/lib.sh"
V=fernet-soft-mixedcw-ens-v5
need fernet_medium-soft-v1 fernet_small-soft-v6 fernet_small-mixed-cw-v2
fer_cli ensemble --root "$ROOT" --name $V --members fernet_medium-soft-v1 fernet_small-soft-v6 \
    fernet_small-mixed-cw-v2 --tta flip --labels ferplus
fer_cli calibrate --model $V --root "$ROOT" --prior-tau 0.3
