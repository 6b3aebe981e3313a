// The Vona page: microphone -> server, replies -> speaker, transcripts, turn latencies.
// Transport "ws" speaks the /ws protocol (docs/websocket-protocol.md); "webrtc" posts an
// SDP offer to /webrtc/offer and gets the same JSON events on a data channel.
"use strict";

const params = new URLSearchParams(location.search);
const MODE = params.get("transport") === "webrtc" ? "webrtc" : "ws";
const RATE = Number(params.get("rate") || 16000);
const LOUD = 0.01; // frame RMS above this counts as speech, for the latency display

// Everything the page knows, readable by tests and the console.
const vona = (window.vona = {
  mode: MODE, rate: RATE, state: "idle", transcript: [], turns: [], clears: 0,
  droppedSamples: 0, playedSamples: 0, cleared: [], framesSent: 0, bytesReceived: 0, metrics: null,
  error: null, lastLoudT: 0, lastStartT: 0, muted: false,
  now: () => (ctx ? ctx.currentTime : 0),
});

const $ = (id) => document.getElementById(id);
let ctx = null, stream = null, ws = null, pc = null, channel = null, player = null;
let lastReport = 0;

function setState(state) {
  vona.state = state;
  $("state").textContent = state;
  $("state").className = "state " + state;
}

function showError(message) {
  vona.error = message;
  $("error").textContent = message;
  setState("error");
}

function onTranscript(ev) {
  const list = vona.transcript;
  let entry = null;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].role === ev.role && !list[i].final) { entry = list[i]; break; }
  }
  if (!entry) {
    entry = { role: ev.role, text: "", final: false, el: document.createElement("li") };
    list.push(entry);
    $("transcript").appendChild(entry.el);
  }
  entry.text = ev.text;
  entry.final = !!ev.final;
  entry.el.textContent = ev.text;
  entry.el.className = ev.role + (ev.final ? "" : " partial");
  entry.el.scrollIntoView({ block: "nearest" });
}

function onEvent(ev) {
  if (ev.type === "transcript") onTranscript(ev);
  else if (ev.type === "clear") {
    vona.clears++;
    if (player) player.port.postMessage({ type: "clear" });
    const last = vona.transcript.filter((e) => e.role === "assistant").pop();
    if (last) last.el.classList.add("cleared");
  } else if (ev.type === "metrics") vona.metrics = ev;
  else if (ev.type === "error") showError(ev.message);
  renderStats();
}

function renderStats() {
  const played = (vona.playedSamples / RATE).toFixed(1);
  $("stats").textContent = `${MODE} at ${RATE} Hz. Sent ${vona.framesSent} frames, ` +
    `played ${played} s of replies, ${vona.clears} barge-in(s).`;
}

function onTurnStart(t) {
  // A reply started playing: if the user spoke since the last one, that is a turn.
  if (vona.lastLoudT > vona.lastStartT) {
    const ms = Math.round((t - vona.lastLoudT) * 1000);
    vona.turns.push({ mouthToEarMs: ms, at: t });
    const row = document.createElement("tr");
    row.innerHTML = `<td>${vona.turns.length}</td><td>${ms} ms</td>`;
    $("turns").appendChild(row);
  }
  vona.lastStartT = t;
}

async function audioGraph() {
  ctx = new AudioContext({ sampleRate: RATE, latencyHint: "interactive" });
  stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  });
  await ctx.audioWorklet.addModule("/static/capture.js");
  await ctx.audioWorklet.addModule("/static/player.js");
  const capture = new AudioWorkletNode(ctx, "vona-capture", {
    numberOfOutputs: 0, processorOptions: { frame: RATE / 50 },
  });
  ctx.createMediaStreamSource(stream).connect(capture);
  player = new AudioWorkletNode(ctx, "vona-player", {
    outputChannelCount: [1],
    processorOptions: { prebuffer: Math.round(RATE * 0.06), maxWait: 8 },
  });
  player.connect(ctx.destination);
  player.port.onmessage = (e) => {
    const d = e.data;
    if (d.type === "start") onTurnStart(d.t);
    else if (d.type === "cleared") {
      vona.droppedSamples += d.dropped;
      vona.cleared.push({ dropped: d.dropped, played: d.played });
    }
    else if (d.type === "played") {
      vona.playedSamples = d.played;
      const now = performance.now();
      if (ws && ws.readyState === WebSocket.OPEN && now - lastReport >= 100) {
        lastReport = now;
        renderStats();
        ws.send(JSON.stringify({ type: "playback", played_ms: Math.floor((d.played * 1000) / RATE) }));
      }
    }
  };
  return capture;
}

async function startWebSocket() {
  const capture = await audioGraph();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${scheme}://${location.host}/ws?rate=${RATE}`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => setState("connected");
  ws.onclose = () => { if (vona.state !== "error") setState("closed"); };
  ws.onerror = () => showError("connection failed");
  ws.onmessage = (e) => {
    if (typeof e.data === "string") onEvent(JSON.parse(e.data));
    else { vona.bytesReceived += e.data.byteLength; player.port.postMessage(e.data, [e.data]); }
  };
  capture.port.onmessage = (e) => {
    // Muted: the stream goes on (the server's turn detection hears silence).
    const pcm = vona.muted ? new ArrayBuffer(e.data.pcm.byteLength) : e.data.pcm;
    if (!vona.muted && e.data.rms > LOUD) vona.lastLoudT = e.data.t;
    if (ws.readyState === WebSocket.OPEN) { ws.send(pcm); vona.framesSent++; }
  };
}

async function startWebRTC() {
  const capture = await audioGraph(); // the same worklet measures speech for the latencies
  capture.port.onmessage = (e) => { if (!vona.muted && e.data.rms > LOUD) vona.lastLoudT = e.data.t; };
  pc = new RTCPeerConnection();
  stream.getTracks().forEach((track) => pc.addTrack(track, stream));
  channel = pc.createDataChannel("events");
  channel.onmessage = (e) => onEvent(JSON.parse(e.data));
  const audio = new Audio();
  audio.autoplay = true;
  pc.ontrack = (e) => { audio.srcObject = e.streams[0]; };
  pc.onconnectionstatechange = () => {
    const s = pc.connectionState;
    setState(s === "connected" ? "connected" : s === "failed" ? "error" : s);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") resolve();
    else pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
  });
  const res = await fetch("/webrtc/offer", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
  });
  if (!res.ok) throw new Error(`offer refused: ${res.status}`);
  await pc.setRemoteDescription(await res.json());
}

async function start() {
  setState("connecting");
  $("talk").textContent = "Stop";
  $("talk").classList.add("on");
  try {
    await (MODE === "webrtc" ? startWebRTC() : startWebSocket());
  } catch (err) {
    showError(String(err.message || err));
  }
}

function stop() {
  if (ws) ws.close();
  if (pc) pc.close();
  if (stream) stream.getTracks().forEach((t) => t.stop());
  if (ctx) ctx.close();
  ws = pc = channel = stream = ctx = player = null;
  $("talk").textContent = "Start talking";
  $("talk").classList.remove("on");
  if (vona.state !== "error") setState("idle");
}

$("mode").textContent = MODE === "webrtc" ? "WebRTC" : "WebSocket";
$("talk").addEventListener("click", () => (ctx ? stop() : start()));
$("mute").addEventListener("click", () => {
  vona.muted = !vona.muted;
  $("mute").textContent = vona.muted ? "Unmute" : "Mute";
  if (stream) stream.getAudioTracks().forEach((t) => { t.enabled = !vona.muted; });
});
renderStats();
