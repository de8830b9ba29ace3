#!/bin/bash
# issue 29: wall time of one 7-fold speaker run of recipe F24 (shipped when the issue was filed), one epoch per fold, after and before emovox's CPU kernels
cd /work/main
R="--data ../shared/data --model efficientat --pretrained ../shared/weights/efficientat/mn04_as_mAP_432.pt --loudness -35 --device cpu --patience 3 --audio-noise 10:40 --audio-noise-colour white,pink --audio-band-limit --augment --rotate 0 --zoom 1.0 --freq-masks 2 --freq-mask-width 16 --time-masks 2 --time-mask-width 40"
for b in new 45d297f; do
  vmstat 1 2 > runs/wall7/vmstat-$b.txt
  s=$(date +%s.%N)
  runs/bench29w/emovox-$b train $R --epochs 1 --protocol speaker --out runs/wall7/$b > runs/wall7/$b.log 2> runs/wall7/$b.err
  e=$(date +%s.%N)
  echo "$b $(echo "$e - $s" | bc) s" >> runs/wall7/wall.txt
done
