// The mood check-ins as a small line chart, drawn by the page itself as inline SVG: no
// library, no network. The same points are listed in text for screen readers.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const WORDS = { 1: "very low", 2: "low", 3: "okay", 4: "good", 5: "really good" };
  const WIDTH = 280;
  const HEIGHT = 120;
  const PAD = 18;

  function svgElement(name, attributes) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  }

  function validPoints(points) {
    if (!Array.isArray(points)) return [];
    return points.filter((p) => p && Number.isInteger(p.score) && p.score >= 1 && p.score <= 5
      && typeof p.date === "string");
  }

  function describe(point) {
    const word = typeof point.word === "string" && point.word ? `, ${point.word}` : "";
    return `${point.date}: ${point.score} (${WORDS[point.score]})${word}`;
  }

  function render(points) {
    const valid = validPoints(points);
    const figure = document.createElement("figure");
    figure.className = "mood-chart";
    const caption = document.createElement("figcaption");
    caption.id = `mood-chart-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    caption.textContent = `Your check-ins, from 1 (very low) to 5 (really good): ${valid.length}`;
    const svg = svgElement("svg", {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-labelledby": caption.id,
      class: "mood-chart-svg",
    });
    for (let score = 1; score <= 5; score++) {
      const y = yFor(score);
      svg.append(svgElement("line", { x1: PAD, x2: WIDTH - 4, y1: y, y2: y, class: "grid" }));
      const label = svgElement("text", { x: 4, y: y + 4, class: "axis" });
      label.textContent = String(score);
      svg.append(label);
    }
    const xs = valid.map((_, i) => xFor(i, valid.length));
    if (valid.length > 1) {
      const path = valid.map((p, i) => `${i ? "L" : "M"}${xs[i]},${yFor(p.score)}`).join(" ");
      svg.append(svgElement("path", { d: path, class: "line" }));
    }
    valid.forEach((point, i) => {
      const dot = svgElement("circle", { cx: xs[i], cy: yFor(point.score), r: 4, class: "point" });
      const title = svgElement("title", {});
      title.textContent = describe(point);
      dot.append(title);
      svg.append(dot);
    });
    // The text alternative: every point, in words.
    const list = document.createElement("ul");
    list.className = "mood-chart-text visually-hidden";
    for (const point of valid) {
      const item = document.createElement("li");
      item.textContent = describe(point);
      list.append(item);
    }
    figure.append(svg, caption, list);
    return figure;
  }

  function xFor(index, count) {
    if (count <= 1) return (WIDTH + PAD) / 2;
    return PAD + 8 + (index * (WIDTH - PAD - 20)) / (count - 1);
  }

  function yFor(score) {
    return HEIGHT - PAD / 2 - ((score - 1) * (HEIGHT - PAD)) / 4;
  }

  window.EmberRenderers = window.EmberRenderers || [];
  window.EmberRenderers.push((message) => (message && Array.isArray(message.mood_chart)
    ? render(message.mood_chart) : null));
  window.EmberMoodChart = { render };
})();
