// emovox page logic: reads the model's classes (GET /v1/model), predicts dropped or chosen
// files (POST /v1/predict with 3 s windows, 1 s hop) and live microphone audio (AudioWorklet
// -> WebSocket /v1/stream as f32le PCM), and shows the current emotion, per-class
// probability bars and a timeline with one lane per class. A server started with --token is
// opened as /#token=TOKEN: the page sends it with every API request.
'use strict';

const WINDOW = 3;
const HOP = 1;
const LIVE_SPAN_S = 60;
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46a0a0', '#f032e6',
  '#9a6324', '#808000', '#000075', '#aaaaaa', '#800000'];

const $ = (id) => document.getElementById(id);
const TOKEN = new URLSearchParams(location.hash.slice(1)).get('token');
const AUTH = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
let classes = [];
let windows = [];
let span = null;
let live = null;

function colour(name) {
  const i = classes.indexOf(name);
  return i < 0 ? '#bbbbbb' : PALETTE[i % PALETTE.length];
}

function status(text) {
  $('status').textContent = text;
}

function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function showPrediction(prediction, source) {
  const label = $('label');
  label.textContent = prediction.label;
  label.dataset.state = source;
  label.style.color = colour(prediction.label);
  $('confidence').textContent = prediction.confidence
    ? `${Math.round(prediction.confidence * 100)}% confident` : '';
  const probabilities = prediction.probabilities || {};
  for (const name of classes) {
    const p = probabilities[name] || 0;
    const bar = document.querySelector(`.bar[data-class="${name}"]`);
    bar.querySelector('.fill').style.width = `${(p * 100).toFixed(1)}%`;
    bar.querySelector('.value').textContent = `${(p * 100).toFixed(0)}%`;
  }
}

function buildBars() {
  const bars = $('bars');
  bars.replaceChildren();
  for (const name of classes) {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.dataset.class = name;
    bar.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span>'
      + '<span class="value">0%</span>';
    bar.querySelector('.name').textContent = name;
    bar.querySelector('.fill').style.background = colour(name);
    bars.appendChild(bar);
  }
}

function addWindow(w) {
  windows.push(w);
  const item = document.createElement('li');
  item.className = 'window';
  item.dataset.label = w.label;
  const confidence = w.confidence ? ` ${Math.round(w.confidence * 100)}%` : '';
  item.textContent = `${clock(w.start)}–${clock(w.end)} ${w.label}${confidence}`;
  const list = $('windows');
  list.prepend(item);
  while (list.children.length > 50) list.lastChild.remove();
}

function drawTimeline() {
  const canvas = $('timeline');
  const g = canvas.getContext('2d');
  const left = 90;
  const lanes = Math.max(classes.length, 1);
  const laneH = (canvas.height - 20) / lanes;
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = '11px sans-serif';
  g.textBaseline = 'middle';
  classes.forEach((name, i) => {
    g.fillStyle = i % 2 ? '#f6f6f6' : '#ececec';
    g.fillRect(left, i * laneH, canvas.width - left, laneH);
    g.fillStyle = '#333';
    g.fillText(name, 4, (i + 0.5) * laneH);
  });
  if (!windows.length) return;
  const end = windows[windows.length - 1].end;
  const [t0, t1] = span || [Math.max(0, end - LIVE_SPAN_S), Math.max(end, LIVE_SPAN_S)];
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (canvas.width - left);
  for (const w of windows) {
    if (w.end < t0) continue;
    const lane = classes.indexOf(w.label);
    g.globalAlpha = lane < 0 ? 0.5 : 0.3 + 0.7 * (w.confidence || 0);
    g.fillStyle = colour(w.label);
    const y = lane < 0 ? canvas.height - 18 : lane * laneH + 1;
    g.fillRect(x(w.start), y, Math.max(x(w.end) - x(w.start), 1), lane < 0 ? 4 : laneH - 2);
  }
  g.globalAlpha = 1;
  g.fillStyle = '#333';
  g.textBaseline = 'bottom';
  const step = Math.max(1, Math.ceil((t1 - t0) / 10));
  for (let t = Math.ceil(t0); t <= t1 && x(t) < canvas.width - 24; t += step) {
    g.fillText(clock(t), x(t) - 10, canvas.height);
  }
}

function reset(newSpan) {
  windows = [];
  span = newSpan;
  $('windows').replaceChildren();
  drawTimeline();
}

async function predictFile(file) {
  if (live) await stopRecording();
  status(`Predicting ${file.name}…`);
  const response = await fetch(`/v1/predict?window=${WINDOW}&hop=${HOP}`, {
    method: 'POST',
    headers: { 'Content-Type': file.type || 'application/octet-stream', ...AUTH },
    body: file,
  });
  const body = await response.json();
  if (!response.ok) {
    status(`${file.name}: ${body.error}`);
    $('label').dataset.state = 'error';
    return;
  }
  reset([0, Math.max(body.duration || 0, 1)]);
  (body.windows || []).forEach(addWindow);
  drawTimeline();
  showPrediction(body.prediction, 'file');
  status(`${file.name}: ${clock(body.duration || 0)}, ${body.windows.length} windows.`);
}

async function startRecording() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const context = new AudioContext();
  await context.audioWorklet.addModule('/capture.js');
  const node = new AudioWorkletNode(context, 'emovox-capture');
  context.createMediaStreamSource(stream).connect(node);
  node.connect(context.destination);
  const url = `ws://${location.host}/v1/stream?rate=${context.sampleRate}`
    + `&encoding=f32le&window=${WINDOW}&hop=${HOP}`
    + (TOKEN ? `&token=${encodeURIComponent(TOKEN)}` : '');
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  node.port.onmessage = (e) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(e.data.buffer);
  };
  socket.onmessage = (e) => {
    const message = JSON.parse(e.data);
    if (message.kind === 'window') {
      addWindow(message);
      drawTimeline();
      showPrediction(message, 'live');
    } else if (message.kind === 'file') {
      status(`Recorded ${clock(message.duration || 0)}; overall: ${message.prediction.label}.`);
    } else if (message.kind === 'error') {
      status(`Live prediction failed: ${message.error}`);
    }
  };
  socket.onerror = () => status('The connection to the server failed.');
  live = { stream, context, socket };
  reset(null);
  $('record').textContent = '■ Stop';
  $('record').classList.add('on');
  status('Listening… (a result every second once 3 s are heard)');
}

async function stopRecording() {
  const { stream, context, socket } = live;
  live = null;
  stream.getTracks().forEach((t) => t.stop());
  await context.close();
  if (socket.readyState === WebSocket.OPEN) socket.send('end');
  $('record').textContent = '● Record from microphone';
  $('record').classList.remove('on');
}

async function main() {
  const response = await fetch('/v1/model', { headers: AUTH });
  const model = await response.json();
  classes = model.classes;
  $('model').textContent = `${classes.length} classes · ${model.device.adapter} (${model.device.backend})`;
  buildBars();
  drawTimeline();
  $('file').addEventListener('change', () => {
    const file = $('file').files[0];
    if (file) predictFile(file).catch((e) => status(`Upload failed: ${e}`));
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) predictFile(file).catch((err) => status(`Upload failed: ${err}`));
  });
  $('record').addEventListener('click', () => {
    const action = live ? stopRecording() : startRecording();
    action.catch((e) => status(`Microphone: ${e.message || e}`));
  });
}

main().catch((e) => status(`Cannot reach the server: ${e}`));
