#!/usr/bin/env bash
# fernet-fer2013-ens-v1, the FER2013-labelled ensemble: the average of four versions with flip TTA, prior
# correction τ 0.4, chosen on PublicTest's FER2013 accuracy by `python benchmarks/choose_default.py --rule fer2013`
# (built 2026-12-04).
source "$(dirname "$0")/lib.sh"
V=fernet-fer2013-ens-v1
need fernet_medium-fer2013-v2 fernet_medium-fer2013-v1 fernet_small-fer2013-v1 fernet_small-mixed-cw-v2
fer_cli ensemble --root "$ROOT" --name $V --members fernet_medium-fer2013-v2 fernet_medium-fer2013-v1 \
    fernet_small-fer2013-v1 fernet_small-mixed-cw-v2 --tta flip --labels fer2013
fer_cli calibrate --model $V --root "$ROOT" --prior-tau 0.4
fer_cli export --model $V --root "$ROOT"
