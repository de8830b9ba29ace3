"""Post-hoc prior corrections of the clean-share corpus-direction networks.

Usage: python analyse.py MODELS PRED > recalls.txt
  MODELS/loco-{ravdess,savee,emodb}/  one direction's network as a model directory
                                      (config.json, net.json, metrics.json, split.json, model.bpk)
  PRED/{direction}-{val,test}.csv     `emovox predict --model MODELS/loco-D --files-from LIST --csv`
                                      on that direction's validation and test clips (split.json)
Writes PRED/recalls.json: UAR and per-class recall of each correction, scored like
`emovox eval` (argmax over the classes the held-out corpus shares with the model).
"""
import csv, json, os, sys
import numpy as np

CLASSES = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised', 'bored']
RAVDESS = {1: 'neutral', 2: 'calm', 3: 'happy', 4: 'sad', 5: 'angry', 6: 'fearful', 7: 'disgust', 8: 'surprised'}
SAVEE = {'a': 'angry', 'd': 'disgust', 'f': 'fearful', 'h': 'happy', 'n': 'neutral', 'sa': 'sad', 'su': 'surprised'}
EMODB = {'W': 'angry', 'L': 'bored', 'E': 'disgust', 'A': 'fearful', 'F': 'happy', 'T': 'sad', 'N': 'neutral'}


def label(path):
    """A clip's class index from its corpus's file naming."""
    stem = os.path.basename(path).split('.')[0]
    if '/ravdess/' in path:
        name = RAVDESS[int(stem.split('-')[2])]
    elif '/savee/' in path:
        code = stem.split('_')[1]
        name = SAVEE[code[:2] if code[:2] in ('sa', 'su') else code[0]]
    else:
        name = EMODB[stem[5]]
    return CLASSES.index(name)


def load(path):
    rows = [r for r in csv.DictReader(open(path)) if not r['error']]
    probs = np.array([[float(r['p_' + c]) for c in CLASSES] for r in rows])
    return probs, np.array([label(r['path']) for r in rows])


def recalls(probs, truth, allowed):
    pred = np.array(allowed)[np.argmax(probs[:, allowed], 1)]
    per_class = {CLASSES[c]: float(np.mean(pred[truth == c] == c)) for c in allowed if (truth == c).any()}
    return {'uar': float(np.mean(list(per_class.values()))), 'recall': per_class}


def balanced(probs, allowed, rounds=200):
    """Transductive: rescale so every shared class is predicted equally often on the test set."""
    q = probs[:, allowed] / probs[:, allowed].sum(1, keepdims=True)
    for _ in range(rounds):
        q /= q.sum(0, keepdims=True)
        q *= len(q) / len(allowed)
        q /= q.sum(1, keepdims=True)
    full = np.zeros_like(probs)
    full[:, allowed] = q
    return full


models, pred = sys.argv[1], sys.argv[2]
out = {}
for direction in ['ravdess', 'savee', 'emodb']:
    model = f'{models}/loco-{direction}'
    split = json.load(open(f'{model}/split.json'))
    allowed = [CLASSES.index(c) for c in json.load(open(f'{model}/metrics.json'))['scored_classes']]
    test, truth = load(f'{pred}/{direction}-test.csv')
    keep = np.isin(truth, allowed)
    test, truth = test[keep], truth[keep]
    val, val_truth = load(f'{pred}/{direction}-val.csv')
    train_labels = np.array([label(p) for p in split['train']])
    prior = np.array([np.mean(train_labels == c) for c in range(len(CLASSES))]) + 1e-9
    val_freq = np.array([np.mean(val_truth == c) for c in range(len(CLASSES))]) + 1e-9
    val_mean = val.mean(0) + 1e-9
    out[direction] = {
        'plain': recalls(test, truth, allowed),
        'train prior^0.5': recalls(test / prior**0.5, truth, allowed),
        'train prior^1': recalls(test / prior, truth, allowed),
        'validation bias': recalls(test * val_freq / val_mean, truth, allowed),
        'validation mean^-1': recalls(test / val_mean, truth, allowed),
        'balanced on the test set (transductive)': recalls(balanced(test, allowed), truth, allowed),
    }
    print(f'{direction}: {len(truth)} test clips, {len(val_truth)} validation clips')
    for name, r in out[direction].items():
        line = ' '.join(f'{c} {v:.2f}' for c, v in r['recall'].items())
        print(f'  {name:40s} UAR {r["uar"]:.3f}  {line}')
json.dump(out, open(f'{pred}/recalls.json', 'w'), indent=1)
