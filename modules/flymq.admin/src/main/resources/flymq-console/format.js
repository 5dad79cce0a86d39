// Formatting helpers: numbers, sizes, times, and record bytes as text, JSON or hex.

export function num(n) {
  return n == null ? "–" : Number(n).toLocaleString("en-US");
}

export function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + " " + units[i];
}

export function duration(ms) {
  if (ms == null || ms < 0) return "–";
  if (ms === 0) return "0";
  const s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + Math.floor(s % 60) + " s";
  if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
}

export function retention(ms, bytesLimit) {
  const parts = [];
  parts.push(ms > 0 ? duration(ms) : "no age limit");
  parts.push(bytesLimit > 0 ? bytes(bytesLimit) : "no size limit");
  return parts.join(", ");
}

export function fromBase64(b64) {
  const bin = atob(b64 || "");
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function hex(bytesArr) {
  const lines = [];
  for (let i = 0; i < bytesArr.length; i += 16) {
    const row = Array.from(bytesArr.slice(i, i + 16), b => b.toString(16).padStart(2, "0")).join(" ");
    lines.push(i.toString(16).padStart(6, "0") + "  " + row);
  }
  return lines.join("\n");
}

// "auto": JSON when it parses, text when it is valid UTF-8, hex otherwise.
export function render(b64, mode) {
  const raw = fromBase64(b64);
  if (mode === "hex") return hex(raw);
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch (e) {
    return mode === "auto" ? hex(raw) : "(not UTF-8 text)\n" + hex(raw);
  }
  if (mode === "text") return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (e) {
    return mode === "json" ? "(not JSON)\n" + text : text;
  }
}
