// The console's shell: hash routing between pages, one Server-Sent Events stream feeding every page, and the
// traffic history the overview draws its sparklines from.

import { pages } from "./pages.js";

const HISTORY = 60;
const state = { snapshot: null, history: [] };
let current = null;

function route() {
  const hash = location.hash.replace(/^#\/?/, "") || "overview";
  const [path, query] = hash.split("?");
  const parts = path.split("/").map(decodeURIComponent);
  const name = pages[parts[0]] ? parts[0] : "overview";
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  main.replaceChildren();
  current = pages[name](main, state, parts.slice(1), params);
  document.title = (current.title || name) + " · FlyMQ console";
  if (state.snapshot && current.update) current.update(state.snapshot);
}

function connect() {
  const live = document.getElementById("live");
  const events = new EventSource("/api/v1/events");
  events.addEventListener("snapshot", e => {
    const snap = JSON.parse(e.data);
    state.snapshot = snap;
    state.history.push({ time: snap.time, traffic: snap.traffic });
    if (state.history.length > HISTORY + 1) state.history.shift();
    live.textContent = "live · " + new Date(snap.time).toLocaleTimeString();
    live.className = "live ok";
    if (current && current.update) current.update(snap);
  });
  events.onerror = () => {
    live.textContent = "disconnected, retrying…";
    live.className = "live bad";
  };
}

window.addEventListener("hashchange", () => {
  route();
  document.getElementById("main").focus();
});
route();
connect();
