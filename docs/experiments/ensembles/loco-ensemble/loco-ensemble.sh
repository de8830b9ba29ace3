#!/bin/bash
# Leave-one-corpus-out score of an ensemble: for each held-out corpus, the corpus-protocol
# models of several runs of the same recipe (seeds) that trained on the other corpus, averaged
# (`eval --all --ensemble`) on every clip of the held-out corpus of the classes both corpora
# have (RAVDESS's `calm` clips are left out: SAVEE has no calm); plain and adapted per speaker,
# and each run's model alone.
# Usage (repository root): RUNS="runs/a runs/b runs/c" OUT=/tmp/loco docs/experiments/ensembles/loco-ensemble/loco-ensemble.sh
set -e
RUNS=${RUNS:?the corpus-protocol run directories}
OUT=${OUT:-/tmp/loco}
DATA=${DATA:-../shared/data}
E=${EMOVOX:-target/release/emovox}
first=${RUNS%% *}
for held in ravdess savee; do
  T=$OUT/test-$held; rm -rf "$T"; mkdir -p "$T/model" "$T/data"
  cp "$first/config.json" "$T/model/"
  members=()
  k=0
  for run in $RUNS; do
    m=run$k; k=$((k + 1)); members+=("\"$m\"")
    mkdir -p "$T/model/$m"
    cp "$run/test-$held/net.json" "$run/test-$held/metrics.json" "$run/test-$held/split.json" "$T/model/$m/"
    ln -s "$PWD/$run/test-$held/best.bpk" "$T/model/$m/model.bpk"
  done
  (IFS=,; echo "{\"members\": [${members[*]}]}") > "$T/model/ensemble.json"
  # The held-out corpus without RAVDESS's calm (emotion code 02), as symbolic links.
  python3 - "$DATA/$held" "$T/data" <<'PY'
import os, sys
src, out = sys.argv[1], sys.argv[2]
for root, _, files in os.walk(src):
    for f in files:
        if f.endswith('.flac') and not (f[0].isdigit() and f.split('-')[2] == '02'):
            os.symlink(os.path.abspath(os.path.join(root, f)), os.path.join(out, f))
PY
  $E eval --run "$T/model" --data "$T/data" --all --ensemble --json > "$OUT/$held-ensemble.json"
  $E eval --run "$T/model" --data "$T/data" --all --ensemble --adapt-bn speaker --json > "$OUT/$held-ensemble-speaker.json"
  $E eval --run "$T/model" --data "$T/data" --all --json > "$OUT/$held-members.json"
done
