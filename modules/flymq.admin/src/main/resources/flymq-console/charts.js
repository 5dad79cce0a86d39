// Sparklines as inline SVG: a polyline scaled to the series' own range, with an accessible summary.

const NS = "http://www.w3.org/2000/svg";

export function sparkline(label) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 100 30");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label + ": no data yet");
  const line = document.createElementNS(NS, "polyline");
  svg.appendChild(line);
  return {
    element: svg,
    draw(values, latestText) {
      const max = Math.max(1e-9, ...values);
      const step = values.length > 1 ? 100 / (values.length - 1) : 100;
      line.setAttribute("points", values.map((v, i) => (i * step).toFixed(2) + "," + (29 - (v / max) * 28).toFixed(2)).join(" "));
      svg.setAttribute("aria-label", label + ": " + latestText);
    }
  };
}
