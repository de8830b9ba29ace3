#!/bin/bash
# Speaker-independent score of a fold ensemble: for each test fold i of a speaker-protocol run,
# the two fold models that never trained on fold i's speakers (model i tested on them, model
# i-1 validated on them) as one ensemble, scored on fold i's test clips with
# `eval --all --ensemble`, plain and adapted per speaker; and each of the two alone.
# Usage (repository root): RUN=runs/channel-speaker OUT=/tmp/pair docs/experiments/ensembles/pair-ensemble/pair.sh
set -e
RUN=${RUN:-runs/channel-speaker}
OUT=${OUT:-/tmp/pair}
E=${EMOVOX:-target/release/emovox}
mkdir -p "$OUT"
for i in 0 1 2 3 4 5 6; do
  j=$(( (i + 6) % 7 ))
  T=$OUT/fold$i; rm -rf "$T"; mkdir -p "$T/model" "$T/rav" "$T/sav"
  cp "$RUN/config.json" "$T/model/"
  for m in $i $j; do
    mkdir -p "$T/model/fold$m"
    cp "$RUN/fold$m/net.json" "$RUN/fold$m/metrics.json" "$RUN/fold$m/split.json" "$T/model/fold$m/"
    ln -s "$PWD/$RUN/fold$m/best.bpk" "$T/model/fold$m/model.bpk"
  done
  echo "{\"members\": [\"fold$i\", \"fold$j\"]}" > "$T/model/ensemble.json"
  # Fold i's test clips, one folder per corpus (a folder holds one naming convention).
  python3 - "$RUN/fold$i/split.json" "$T" <<'PY'
import json, os, sys
split, out = sys.argv[1], sys.argv[2]
for p in json.load(open(split))['test']:
    part = 'sav' if '/savee/' in p else 'rav'
    os.symlink(os.path.abspath(p), os.path.join(out, part, os.path.basename(p)))
PY
  D="$T/rav"; [ -n "$(ls "$T/sav")" ] && D="$D $T/sav"
  $E eval --run "$T/model" --data $D --all --ensemble --json > "$OUT/plain$i.json"
  $E eval --run "$T/model" --data $D --all --ensemble --adapt-bn speaker --json > "$OUT/spk$i.json"
  $E eval --run "$T/model" --data $D --all --json > "$OUT/members$i.json"
done
