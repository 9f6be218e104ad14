// gan-course game: the page's logic (plain JavaScript, no libraries). API: gan_course/game/app.py.
"use strict";

const state = { info: null, round: null, marked: new Set() };
const $ = (id) => document.getElementById(id);

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    throw new Error((body && body.detail) || `${response.status} ${response.statusText}`);
  }
  return body;
}

function checkpoint() { return $("checkpoint").value; }

function percent(x) { return `${Math.round(100 * x)}%`; }

function scoreText(score, probability) {
  if (probability !== null && probability !== undefined) {
    return `D says real with probability ${probability.toFixed(3)} (logit ${score.toFixed(2)})`;
  }
  return `critic score ${score.toFixed(3)}`;
}

// -- drawing -------------------------------------------------------------------------------

const BRUSH = 20; // pixels on the 280x280 canvas: 2 pixels at 28x28, like a pen stroke

function clearCanvas() {
  const ctx = $("draw-canvas").getContext("2d");
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

function setUpCanvas() {
  const canvas = $("draw-canvas");
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  };
  const stroke = (to) => {
    ctx.strokeStyle = "white";
    ctx.fillStyle = "white";
    ctx.lineWidth = BRUSH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    if (last) {
      ctx.moveTo(last[0], last[1]);
      ctx.lineTo(to[0], to[1]);
      ctx.stroke();
    } else {
      ctx.arc(to[0], to[1], BRUSH / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    last = to;
  };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; last = null; canvas.setPointerCapture(e.pointerId); stroke(point(e)); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) stroke(point(e)); });
  const end = () => { drawing = false; last = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clearCanvas();
}

function downsampled() {
  // The model's size (28x28 for Fashion-MNIST): the browser averages the big canvas down.
  const [, height, width] = state.info.shape;
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  const ctx = small.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage($("draw-canvas"), 0, 0, width, height);
  return new Promise((resolve) => small.toBlob(resolve, "image/png"));
}

async function submitDrawing() {
  showError("");
  const button = $("draw-submit");
  button.disabled = true;
  try {
    const params = new URLSearchParams({ checkpoint: checkpoint() });
    if (state.info.conditional) params.set("label", $("draw-class").value);
    const body = await downsampled();
    const result = await api(`/api/draw?${params}`, { method: "POST", headers: { "Content-Type": "image/png" }, body });
    $("draw-score").textContent = scoreText(result.score, result.probability);
    $("draw-rank").textContent = `${result.rank} of ${result.of}`;
    const beaten = result.of - result.rank;
    $("draw-rank-text").textContent = `the discriminator finds your drawing more real than ${beaten} of the ` +
      `${result.of - 1} generated ${result.class_name === null ? "samples" : `"${result.class_name}" samples`} below (best first).`;
    const grid = $("draw-samples");
    grid.replaceChildren(...result.samples.map((s) => {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = s.image;
      img.alt = "generated sample";
      const caption = document.createElement("figcaption");
      caption.textContent = s.probability === null ? s.score.toFixed(2) : s.probability.toFixed(3);
      figure.append(img, caption);
      return figure;
    }));
    $("draw-result").hidden = false;
  } catch (error) {
    showError(error.message);
  } finally {
    button.disabled = false;
  }
}

// -- spot the fake -------------------------------------------------------------------------

async function newRound() {
  showError("");
  $("spot-result").hidden = true;
  try {
    state.round = await api(`/api/spot/round?${new URLSearchParams({ checkpoint: checkpoint() })}`);
  } catch (error) {
    showError(error.message);
    return;
  }
  state.marked = new Set();
  $("spot-grid").replaceChildren(...state.round.images.map((src, index) => {
    const tile = document.createElement("button");
    tile.className = "tile";
    tile.dataset.index = index;
    tile.setAttribute("aria-pressed", "false");
    const img = document.createElement("img");
    img.src = src;
    img.alt = `image ${index + 1}`;
    tile.append(img);
    tile.addEventListener("click", () => toggle(tile, index));
    return tile;
  }));
  $("spot-submit").disabled = false;
}

function toggle(tile, index) {
  if (!state.round) return;
  if (state.marked.has(index)) state.marked.delete(index); else state.marked.add(index);
  tile.classList.toggle("marked", state.marked.has(index));
  tile.setAttribute("aria-pressed", String(state.marked.has(index)));
}

function showTally(key, entry) {
  if (!entry || !entry.fakes_shown) {
    $("tally").textContent = "No rounds played against this checkpoint yet.";
    return;
  }
  $("tally").textContent = `Human fool rate for ${key}: ${percent(entry.fool_rate)} over ${entry.rounds} ` +
    `round${entry.rounds === 1 ? "" : "s"} (${entry.fakes_missed} of ${entry.fakes_shown} fakes taken for real).`;
}

async function submitRound() {
  if (!state.round) return;
  showError("");
  $("spot-submit").disabled = true;
  try {
    const result = await api("/api/spot/answer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ round: state.round.round, fakes: [...state.marked] }),
    });
    state.round = null;
    document.querySelectorAll("#spot-grid .tile").forEach((tile, index) => {
      const fake = result.truth[index];
      tile.classList.add(state.marked.has(index) === fake ? "correct" : "wrong");
      const label = document.createElement("span");
      label.className = "truth";
      label.textContent = fake ? "fake" : "real";
      tile.append(label);
    });
    $("spot-result").textContent = `You got ${result.correct} of ${result.total} right (${percent(result.accuracy)}); ` +
      `${result.fooled} fake${result.fooled === 1 ? "" : "s"} fooled you.`;
    $("spot-result").hidden = false;
    showTally(result.tally_key, result.tally);
  } catch (error) {
    showError(error.message);
    $("spot-submit").disabled = false;
  }
}

async function refreshTally() {
  const info = state.info.checkpoints.find((c) => c.name === checkpoint());
  if (!info) return;
  try {
    const tally = await api("/api/tally");
    showTally(info.tally_key, tally.checkpoints[info.tally_key]);
  } catch (error) {
    showError(error.message);
  }
}

// -- set-up --------------------------------------------------------------------------------

function switchMode(mode) {
  document.querySelectorAll(".tab").forEach((tab) => tab.classList.toggle("active", tab.dataset.mode === mode));
  $("mode-draw").hidden = mode !== "draw";
  $("mode-spot").hidden = mode !== "spot";
  if (mode === "spot" && !state.round) newRound();
}

async function main() {
  try {
    state.info = await api("/api/info");
  } catch (error) {
    showError(`cannot load the game: ${error.message}`);
    return;
  }
  $("run-name").textContent = `(${state.info.run}: ${state.info.model}, ${state.info.loss} loss)`;
  $("checkpoint").replaceChildren(...state.info.checkpoints.map((c) => new Option(`${c.name} (epoch ${c.epoch})`, c.name)));
  $("checkpoint").value = state.info.default_checkpoint;
  $("checkpoint").addEventListener("change", () => { state.round = null; refreshTally(); if (!$("mode-spot").hidden) newRound(); });
  if (state.info.conditional) {
    $("draw-class").replaceChildren(...state.info.classes.map((name, k) => new Option(`${k}: ${name}`, k)));
  } else {
    $("draw-class-label").hidden = true;
  }
  setUpCanvas();
  $("draw-clear").addEventListener("click", clearCanvas);
  $("draw-submit").addEventListener("click", submitDrawing);
  $("spot-new").addEventListener("click", newRound);
  $("spot-submit").addEventListener("click", submitRound);
  document.querySelectorAll(".tab").forEach((tab) => tab.addEventListener("click", () => switchMode(tab.dataset.mode)));
  refreshTally();
  document.body.dataset.ready = "true";
}

main();
