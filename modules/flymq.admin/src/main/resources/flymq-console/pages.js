// The console's pages. Each builds its DOM with h() (never from HTML strings: record keys and values are shown as
// text) and returns { title, update(snapshot) } so the live stream can refresh it.

import { get, getWithTag, post, put, del, enc } from "./api.js";
import { num, bytes, duration, retention, render } from "./format.js";
import { sparkline } from "./charts.js";

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function table(id, caption, headers, rows) {
  return h("div", { class: "table-wrap" },
    h("table", { id },
      h("caption", { class: "skip" }, caption),
      h("thead", {}, h("tr", {}, headers.map(([label, cls]) => h("th", { scope: "col", class: cls }, label)))),
      h("tbody", {}, rows)));
}

function card(label, id) {
  const value = h("div", { class: "value", id }, "–");
  return { el: h("div", { class: "card" }, h("div", { class: "label" }, label), value), value };
}

function message(el, text, isError) {
  el.textContent = text;
  el.className = isError ? "error" : "notice";
}

// ---------------------------------------------------------------------------------------------------- overview

function overview(main, state) {
  const cards = {
    nodes: card("Nodes", "ov-nodes"), leader: card("Cluster leader", "ov-leader"), topics: card("Topics", "ov-topics"),
    messages: card("Messages stored", "ov-messages"), groups: card("Consumer groups", "ov-groups"),
    lag: card("Total lag", "ov-lag")
  };
  const charts = {
    inRate: sparkline("Messages in per second"), outRate: sparkline("Messages out per second"),
    latency: sparkline("Mean produce latency")
  };
  const chartText = { inRate: h("span", { id: "ov-in-rate" }, "–"), outRate: h("span", { id: "ov-out-rate" }, "–"),
    latency: h("span", { id: "ov-latency" }, "–") };
  const nodesBody = h("tbody");
  main.append(
    h("h2", {}, "Overview"),
    h("div", { class: "cards" }, Object.values(cards).map(c => c.el)),
    h("div", { class: "charts" },
      h("div", { class: "card" }, h("div", { class: "label" }, "Messages in / s: ", chartText.inRate), charts.inRate.element),
      h("div", { class: "card" }, h("div", { class: "label" }, "Messages out / s: ", chartText.outRate), charts.outRate.element),
      h("div", { class: "card" }, h("div", { class: "label" }, "Produce latency (mean): ", chartText.latency), charts.latency.element)),
    h("h3", {}, "Nodes"),
    h("div", { class: "table-wrap" }, h("table", { id: "ov-nodes-table" },
      h("thead", {}, h("tr", {}, ["Node", "Role", "State", "Leader"].map(t => h("th", { scope: "col" }, t)))),
      nodesBody)));
  return {
    title: "Overview",
    update(snap) {
      cards.nodes.value.textContent = num(snap.nodes.length);
      cards.leader.value.textContent = snap.cluster.leader_id || "none";
      cards.topics.value.textContent = num(snap.topics.length);
      cards.messages.value.textContent = num(snap.topics.reduce((s, t) => s + t.message_count, 0));
      cards.groups.value.textContent = num(snap.groups.length);
      cards.lag.value.textContent = num(snap.groups.reduce((s, g) => s + g.lag, 0));
      nodesBody.replaceChildren(...snap.nodes.map(n => h("tr", {},
        h("td", {}, n.id), h("td", {}, n.raft_state), h("td", {}, n.state),
        h("td", {}, n.is_leader ? h("span", { class: "badge leader" }, "leader") : ""))));
      const rates = { inRate: [], outRate: [], latency: [] };
      const hist = state.history;
      for (let i = 1; i < hist.length; i++) {
        const a = hist[i - 1], b = hist[i];
        const dt = Math.max(0.001, (b.time - a.time) / 1000);
        rates.inRate.push(Math.max(0, b.traffic.messages_in - a.traffic.messages_in) / dt);
        rates.outRate.push(Math.max(0, b.traffic.messages_out - a.traffic.messages_out) / dt);
        const reqs = b.traffic.produce_requests - a.traffic.produce_requests;
        const ns = b.traffic.produce_latency_ns - a.traffic.produce_latency_ns;
        rates.latency.push(reqs > 0 && ns > 0 ? ns / reqs / 1e6 : 0);
      }
      const last = v => v.length ? v[v.length - 1] : 0;
      const texts = { inRate: last(rates.inRate).toFixed(1), outRate: last(rates.outRate).toFixed(1),
        latency: last(rates.latency).toFixed(2) + " ms" };
      for (const k of Object.keys(charts)) {
        charts[k].draw(rates[k].length ? rates[k] : [0], texts[k]);
        chartText[k].textContent = texts[k];
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------------- topics

function topics(main, state, parts) {
  if (parts.length && parts[0]) return topicDetail(main, parts[0]);
  const status = h("p", { role: "status", "aria-live": "polite" });
  const name = h("input", { id: "create-topic-name", name: "name", required: true, pattern: "[A-Za-z0-9._\\-]+",
    autocomplete: "off" });
  const partitions = h("input", { id: "create-topic-partitions", type: "number", min: "1", value: "1" });
  const retentionHours = h("input", { id: "create-topic-retention", type: "number", min: "0", placeholder: "broker default" });
  const form = h("form", { class: "row", id: "create-topic", "aria-label": "Create a topic",
    onsubmit: async e => {
      e.preventDefault();
      const body = { name: name.value.trim(), partitions: Number(partitions.value || 1) };
      if (retentionHours.value !== "") body.retention_ms = Math.round(Number(retentionHours.value) * 3600000);
      try {
        await post("/topics", body);
        message(status, "Created topic " + body.name + ".");
        name.value = "";
        refresh();
      } catch (err) { message(status, err.message, true); }
    } },
    h("label", {}, "Topic name", name), h("label", {}, "Partitions", partitions),
    h("label", {}, "Retention (hours)", retentionHours),
    h("button", { type: "submit", id: "create-topic-submit" }, "Create topic"));
  const body = h("tbody");
  main.append(h("h2", {}, "Topics"), form, status,
    table("topics-table", "Topics", [["Name"], ["Partitions", "num"], ["Messages", "num"], ["Size", "num"],
      ["Retention"], ["Actions"]], []));
  main.querySelector("#topics-table tbody").replaceWith(body);
  let confirming = null;
  function row(t) {
    const remove = h("button", { class: confirming === t.name ? "danger" : "secondary", type: "button",
      "aria-label": (confirming === t.name ? "Confirm delete of topic " : "Delete topic ") + t.name,
      onclick: async () => {
        if (confirming !== t.name) { confirming = t.name; draw(lastTopics); remove.focus(); return; }
        confirming = null;
        try { await del("/topics/" + enc(t.name)); message(status, "Deleted topic " + t.name + "."); refresh(); }
        catch (err) { message(status, err.message, true); }
      } }, confirming === t.name ? "Confirm delete" : "Delete");
    return h("tr", { "data-topic": t.name },
      h("td", {}, h("a", { href: "#/topics/" + enc(t.name) }, t.name)),
      h("td", { class: "num" }, num(t.partitions)), h("td", { class: "num", "data-messages": t.message_count }, num(t.message_count)),
      h("td", { class: "num" }, bytes(t.size_bytes)), h("td", {}, retention(t.retention_ms, t.retention_bytes)),
      h("td", {}, h("a", { href: "#/messages?topic=" + enc(t.name) }, "Browse"), " ", remove));
  }
  let lastTopics = [];
  function draw(list) {
    lastTopics = list;
    body.replaceChildren(...list.map(row));
  }
  async function refresh() {
    try { draw(await get("/topics?limit=1000")); } catch (err) { message(status, err.message, true); }
  }
  refresh();
  return { title: "Topics", update(snap) { if (!confirming) draw(snap.topics); } };
}

// A topic's settings as the form shows them: the API's unit, the form's unit and how many of one make the other.
const SETTINGS = [
  { key: "retention_ms", label: "Retention (hours, 0 = no age limit)", unit: 3600000 },
  { key: "retention_bytes", label: "Retention size (MiB, 0 = no size limit)", unit: 1048576 },
  { key: "segment_bytes", label: "Segment size (MiB)", unit: 1048576 },
  { key: "segment_ms", label: "Segment roll (hours)", unit: 3600000 },
  { key: "ttl_ms", label: "Time to live (seconds, 0 = never expire)", unit: 1000 }
];

function topicDetail(main, name) {
  const status = h("p", { role: "status", "aria-live": "polite", id: "topic-status" });
  const head = h("div", { class: "cards" });
  const body = h("tbody");
  let etag = null;
  let shown = null; // the settings the form was filled with, to send only what the user changed
  const inputs = {};
  for (const s of SETTINGS) {
    inputs[s.key] = h("input", { id: "setting-" + s.key.replaceAll("_", "-"), type: "number", min: "0", step: "any",
      placeholder: "broker default" });
  }
  const settings = h("form", { class: "row", id: "topic-settings", "aria-label": "Topic settings",
    onsubmit: async e => {
      e.preventDefault();
      const change = {};
      for (const s of SETTINGS) {
        const text = inputs[s.key].value.trim();
        if (text === "") { change[s.key] = null; continue; } // cleared: back to the broker default
        const value = Math.round(Number(text) * s.unit);
        if (shown && value !== shown[s.key]) change[s.key] = value;
      }
      for (const k of Object.keys(change)) if (change[k] === null && shown && shown[k] == null) delete change[k];
      if (!Object.keys(change).length) { message(status, "Nothing changed."); return; }
      try {
        const r = await put("/topics/" + enc(name) + "/config", change, etag);
        etag = r.etag;
        fill(r.body);
        message(status, "Saved " + Object.keys(change).join(", ") + ".");
        refresh();
      } catch (err) {
        message(status, err.status === 412 ? "The topic changed meanwhile; its settings are shown again." : err.message, true);
        shown = null;
        refresh();
      }
    } },
    SETTINGS.map(s => h("label", {}, s.label, inputs[s.key])),
    h("button", { type: "submit", id: "topic-settings-submit" }, "Save settings"));
  function fill(config) {
    shown = {};
    for (const s of SETTINGS) {
      shown[s.key] = config[s.key];
      inputs[s.key].value = config[s.key] == null || config[s.key] < 0 ? "" : String(config[s.key] / s.unit);
    }
  }
  main.append(h("h2", {}, "Topic ", h("code", {}, name)), head,
    h("p", {}, h("a", { href: "#/messages?topic=" + enc(name) }, "Browse messages"), " · ",
      h("a", { href: "#/topics" }, "All topics")),
    h("h3", {}, "Settings"), settings, status,
    h("h3", {}, "Partitions"),
    table("partitions-table", "Partitions of " + name, [["Partition", "num"], ["Leader"], ["First offset", "num"],
      ["Next offset", "num"], ["Messages", "num"], ["Size", "num"], ["Segments", "num"]], []));
  main.querySelector("#partitions-table tbody").replaceWith(body);
  async function refresh() {
    try {
      const r = await getWithTag("/topics/" + enc(name));
      const t = r.body;
      if (!shown) { etag = r.etag; fill(t); } // the form keeps what the user is typing until it is saved
      head.replaceChildren(...[["Partitions", num(t.partitions)], ["Replication", num(t.replica_factor)],
        ["Messages", num(t.message_count)], ["Size", bytes(t.size_bytes)],
        ["Retention", retention(t.retention_ms, t.retention_bytes)],
        ["Time to live", t.ttl_ms > 0 ? duration(t.ttl_ms) : t.ttl_ms === 0 ? "never expire" : "–"],
        ["Created", new Date(t.created_at).toLocaleString()]]
        .map(([l, v]) => h("div", { class: "card" }, h("div", { class: "label" }, l),
          h("div", { class: "value", "data-field": l }, v))));
      body.replaceChildren(...t.partition_details.map(p => h("tr", {},
        h("td", { class: "num" }, p.partition), h("td", {}, p.leader || "none"), h("td", { class: "num" }, num(p.start_offset)),
        h("td", { class: "num" }, num(p.end_offset)), h("td", { class: "num" }, num(p.messages)),
        h("td", { class: "num" }, bytes(p.size_bytes)), h("td", { class: "num" }, num(p.segments)))));
    } catch (err) { message(status, err.message, true); }
  }
  refresh();
  return { title: "Topic " + name, update: refresh };
}

// ---------------------------------------------------------------------------------------------------- messages

function messages(main, state, parts, params) {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const topic = h("select", { id: "msg-topic", name: "topic" });
  const partition = h("input", { id: "msg-partition", type: "number", min: "0", value: params.partition || "0" });
  const from = h("select", { id: "msg-from" }, h("option", { value: "offset" }, "offset"),
    h("option", { value: "timestamp" }, "time"));
  const offset = h("input", { id: "msg-offset", type: "number", min: "0", placeholder: "oldest", value: params.offset || "" });
  const time = h("input", { id: "msg-time", type: "datetime-local", hidden: true });
  const offsetLabel = h("label", {}, "Offset", offset);
  const timeLabel = h("label", { hidden: true }, "Time", time);
  from.addEventListener("change", () => {
    const byTime = from.value === "timestamp";
    offsetLabel.hidden = byTime; timeLabel.hidden = !byTime; time.hidden = !byTime;
  });
  const limit = h("input", { id: "msg-limit", type: "number", min: "1", max: "500", value: "50" });
  const format = h("select", { id: "msg-format" }, ["auto", "text", "json", "hex"].map(f => h("option", { value: f }, f)));
  const body = h("tbody");
  let next = null;
  const more = h("button", { type: "button", class: "secondary", id: "msg-next", hidden: true,
    onclick: () => { offset.value = next; from.value = "offset"; load(); } }, "Next page");
  const form = h("form", { class: "row", id: "msg-form", "aria-label": "Find messages",
    onsubmit: e => { e.preventDefault(); load(); } },
    h("label", {}, "Topic", topic), h("label", {}, "Partition", partition), h("label", {}, "From", from),
    offsetLabel, timeLabel, h("label", {}, "Limit", limit), h("label", {}, "Show values as", format),
    h("button", { type: "submit", id: "msg-load" }, "Load"));
  main.append(h("h2", {}, "Messages"), form, status,
    table("messages-table", "Messages", [["Offset", "num"], ["Time"], ["Key"], ["Headers"], ["Value"]], []), more);
  main.querySelector("#messages-table tbody").replaceWith(body);
  let page = null;
  format.addEventListener("change", () => page && draw(page));
  function draw(p) {
    const mode = format.value;
    body.replaceChildren(...p.messages.map(m => h("tr", { "data-offset": m.offset },
      h("td", { class: "num" }, m.offset), h("td", {}, new Date(m.timestamp).toLocaleString()),
      h("td", {}, h("pre", {}, m.key ? render(m.key, mode === "hex" ? "hex" : "text") : "")),
      h("td", {}, m.headers.map(x => h("div", {}, h("code", {}, x.key), ": ", render(x.value, "text")))),
      h("td", {}, h("pre", { class: "value" }, render(m.value, mode))))));
  }
  async function load() {
    if (!topic.value) { message(status, "Choose a topic.", true); return; }
    let q = "/topics/" + enc(topic.value) + "/messages?partition=" + enc(partition.value || "0") + "&limit=" + enc(limit.value || "50");
    if (from.value === "timestamp" && time.value) q += "&timestamp=" + new Date(time.value).getTime();
    else if (offset.value !== "") q += "&offset=" + enc(offset.value);
    try {
      page = await get(q);
      draw(page);
      next = page.next_offset;
      more.hidden = page.next_offset >= page.end_offset;
      message(status, page.messages.length + " message(s) from " + page.topic + "/" + page.partition
        + " (offsets " + page.start_offset + " to " + (page.end_offset - 1) + " stored).");
    } catch (err) { message(status, err.message, true); }
  }
  (async () => {
    try {
      const list = await get("/topics?limit=1000");
      topic.replaceChildren(...list.map(t => h("option", { value: t.name, selected: t.name === params.topic }, t.name)));
      if (params.topic) load();
    } catch (err) { message(status, err.message, true); }
  })();
  return { title: "Messages" };
}

// ---------------------------------------------------------------------------------------------------- groups

function groups(main, state, parts) {
  if (parts.length && parts[0]) return groupDetail(main, parts[0]);
  const body = h("tbody");
  main.append(h("h2", {}, "Consumer groups"),
    table("groups-table", "Consumer groups", [["Group"], ["Topics"], ["Members", "num"], ["State"], ["Lag", "num"]], []));
  main.querySelector("#groups-table tbody").replaceWith(body);
  function draw(list) {
    body.replaceChildren(...list.map(g => h("tr", { "data-group": g.name },
      h("td", {}, h("a", { href: "#/groups/" + enc(g.name) }, g.name)), h("td", {}, g.topics.join(", ")),
      h("td", { class: "num" }, num(g.members)), h("td", {}, g.members > 0 ? "Stable" : "Empty"),
      h("td", { class: "num", "data-lag": g.lag }, num(g.lag)))));
  }
  get("/consumer-groups?limit=1000").then(draw).catch(() => {});
  return { title: "Consumer groups", update(snap) { draw(snap.groups); } };
}

function groupDetail(main, name) {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const summary = h("div", { class: "cards" });
  const body = h("tbody");
  let etag = null;
  const topic = h("select", { id: "reset-topic" });
  const partition = h("input", { id: "reset-partition", type: "number", min: "-1", value: "-1" });
  const mode = h("select", { id: "reset-mode" }, ["earliest", "latest", "offset", "timestamp"].map(m => h("option", { value: m }, m)));
  const value = h("input", { id: "reset-value", type: "number", min: "0", placeholder: "offset or ms" });
  const reset = h("form", { class: "row", id: "reset-form", "aria-label": "Reset offsets",
    onsubmit: async e => {
      e.preventDefault();
      const body = { topic: topic.value, partition: Number(partition.value), mode: mode.value };
      if (mode.value === "offset") body.offset = Number(value.value);
      if (mode.value === "timestamp") body.timestamp = Number(value.value);
      try { await post("/consumer-groups/" + enc(name) + "/reset", body, etag); message(status, "Offsets reset."); refresh(); }
      catch (err) { message(status, err.status === 412 ? "The group's offsets moved meanwhile; check them and try again." : err.message, true); refresh(); }
    } },
    h("label", {}, "Topic", topic), h("label", {}, "Partition (-1 = all)", partition), h("label", {}, "Reset to", mode),
    h("label", {}, "Value", value), h("button", { type: "submit", id: "reset-submit" }, "Reset offsets"));
  let confirming = false;
  const remove = h("button", { type: "button", class: "secondary", id: "group-delete",
    onclick: async () => {
      if (!confirming) {
        confirming = true;
        remove.textContent = "Confirm delete";
        remove.className = "danger";
        remove.setAttribute("aria-label", "Confirm delete of consumer group " + name);
        return;
      }
      try { await del("/consumer-groups/" + enc(name), etag); location.hash = "#/groups"; }
      catch (err) { message(status, err.status === 412 ? "The group's offsets moved meanwhile; check them and try again." : err.message, true); refresh(); }
    } }, "Delete group");
  main.append(h("h2", {}, "Consumer group ", h("code", {}, name)), summary,
    h("h3", {}, "Lag per partition"),
    table("lag-table", "Lag per partition", [["Topic"], ["Partition", "num"], ["Committed", "num"], ["End", "num"],
      ["Lag", "num"], ["Lag (time)", "num"]], []),
    h("h3", {}, "Reset offsets"), reset,
    h("h3", {}, "Delete"), h("p", {}, "Removes the group's committed offsets in every topic. ", remove), status);
  main.querySelector("#lag-table tbody").replaceWith(body);
  async function refresh() {
    try {
      const r = await getWithTag("/consumer-groups/" + enc(name));
      const g = r.body;
      etag = r.etag;
      summary.replaceChildren(...[["State", g.state], ["Members", num(g.members)], ["Lag", num(g.lag)],
        ["Oldest unread", duration(g.max_lag_seconds * 1000)]].map(([l, v]) =>
        h("div", { class: "card" }, h("div", { class: "label" }, l), h("div", { class: "value", "data-field": l }, v))));
      body.replaceChildren(...g.partitions.map(p => h("tr", { "data-topic": p.topic, "data-partition": p.partition },
        h("td", {}, p.topic), h("td", { class: "num" }, p.partition), h("td", { class: "num" }, num(p.offset)),
        h("td", { class: "num" }, num(p.end_offset)), h("td", { class: "num", "data-lag": p.lag }, num(p.lag)),
        h("td", { class: "num" }, p.lag_seconds == null ? "unknown" : duration(p.lag_seconds * 1000)))));
      if (!topic.options.length) topic.replaceChildren(...g.topics.map(t => h("option", { value: t }, t)));
    } catch (err) { message(status, err.message, true); }
  }
  refresh();
  return { title: "Group " + name, update: refresh };
}

// ---------------------------------------------------------------------------------------------------- cluster

function cluster(main) {
  const status = h("p", { role: "status" });
  const facts = h("div", { class: "cards" });
  const nodes = h("tbody");
  const parts = h("tbody");
  main.append(h("h2", {}, "Cluster"), facts,
    h("h3", {}, "Nodes and Raft roles"),
    table("nodes-table", "Nodes", [["Node"], ["Client address"], ["Cluster address"], ["Raft role"], ["State"]], []),
    h("h3", {}, "Partitions"),
    table("assignments-table", "Partition assignments", [["Topic"], ["Partition", "num"], ["Leader"], ["Replicas"],
      ["In sync (ISR)"], ["State"]], []), status);
  main.querySelector("#nodes-table tbody").replaceWith(nodes);
  main.querySelector("#assignments-table tbody").replaceWith(parts);
  async function refresh() {
    try {
      const [c, a] = await Promise.all([get("/cluster"), get("/cluster/partitions?limit=1000")]);
      facts.replaceChildren(...[["Cluster id", c.cluster_id], ["This node", c.node_id], ["Leader", c.leader_id || "none"],
        ["Raft term", num(c.raft_term)], ["Commit index", num(c.raft_commit_index)], ["Uptime", c.uptime]]
        .map(([l, v]) => h("div", { class: "card" }, h("div", { class: "label" }, l), h("div", { class: "value" }, v))));
      nodes.replaceChildren(...c.nodes.map(n => h("tr", {}, h("td", {}, n.id), h("td", {}, n.address),
        h("td", {}, n.cluster_addr || "–"), h("td", {}, n.is_leader ? h("span", { class: "badge leader" }, n.raft_state) : n.raft_state),
        h("td", {}, n.state))));
      parts.replaceChildren(...a.assignments.map(p => h("tr", {}, h("td", {}, p.topic), h("td", { class: "num" }, p.partition),
        h("td", {}, p.leader || "none"), h("td", {}, p.replicas.join(", ")), h("td", {}, p.isr.join(", ")), h("td", {}, p.state))));
    } catch (err) { message(status, err.message, true); }
  }
  refresh();
  return { title: "Cluster", update: refresh };
}

// ---------------------------------------------------------------------------------------------------- schemas

function schemas(main, state, parts) {
  if (parts.length && parts[0]) return schemaDetail(main, parts[0]);
  const status = h("p", { role: "status", "aria-live": "polite", id: "schemas-status" });
  const name = h("input", { id: "schema-name", required: true, autocomplete: "off" });
  const type = h("select", { id: "schema-type" }, ["json", "avro"].map(t => h("option", { value: t }, t)));
  const compatibility = h("select", { id: "schema-compatibility" }, h("option", { value: "" }, "subject's (or broker default)"),
    ["none", "backward", "backward_transitive", "forward", "forward_transitive", "full", "full_transitive"]
      .map(c => h("option", { value: c }, c)));
  const definition = h("textarea", { id: "schema-definition", required: true, spellcheck: "false",
    placeholder: '{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}' });
  const form = h("form", { class: "row", id: "register-schema", "aria-label": "Register a schema version",
    onsubmit: async e => {
      e.preventDefault();
      const body = { name: name.value.trim(), type: type.value, schema: definition.value };
      if (compatibility.value) body.compatibility = compatibility.value;
      try {
        const r = await post("/schemas", body);
        message(status, "Registered " + r.body.name + " version " + r.body.version + " (id " + r.body.id + ").");
        refresh();
      } catch (err) { message(status, err.message, true); }
    } },
    h("label", {}, "Subject", name), h("label", {}, "Type", type), h("label", {}, "Compatibility", compatibility),
    h("label", { class: "wide" }, "Schema", definition),
    h("button", { type: "submit", id: "register-schema-submit" }, "Register version"));
  const body = h("tbody");
  main.append(h("h2", {}, "Schemas"), form, status,
    table("schemas-table", "Schema subjects", [["Subject"], ["Latest version", "num"], ["Versions", "num"], ["Type"],
      ["Compatibility"], ["Registered"]], []),
    h("p", { class: "muted" }, "Protobuf schemas are registered as descriptor sets through the API or ",
      h("code", {}, "flymq schema register"), "."));
  main.querySelector("#schemas-table tbody").replaceWith(body);
  async function refresh() {
    try {
      const all = await get("/schemas?limit=1000");
      const subjects = new Map();
      for (const v of all) {
        const s = subjects.get(v.name) || { versions: 0, latest: v };
        s.versions++;
        if (v.version >= s.latest.version) s.latest = v;
        subjects.set(v.name, s);
      }
      body.replaceChildren(...[...subjects.values()].map(({ versions, latest }) => h("tr", { "data-schema": latest.name },
        h("td", {}, h("a", { href: "#/schemas/" + enc(latest.name) }, latest.name)),
        h("td", { class: "num" }, latest.version), h("td", { class: "num" }, versions), h("td", {}, latest.type),
        h("td", {}, latest.compatibility), h("td", {}, new Date(latest.created_at).toLocaleString()))));
    } catch (err) {
      message(status, err.status === 501 ? "This broker has no schema registry (schema.enabled is false)." : err.message, true);
    }
  }
  refresh();
  return { title: "Schemas" };
}

function schemaDetail(main, name) {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const summary = h("div", { class: "cards" });
  const definition = h("pre", { id: "schema-text", class: "value" });
  const versions = h("tbody");
  let confirming = false;
  const remove = h("button", { type: "button", class: "secondary", id: "schema-delete",
    onclick: async () => {
      if (!confirming) {
        confirming = true;
        remove.textContent = "Confirm delete";
        remove.className = "danger";
        remove.setAttribute("aria-label", "Confirm delete of every version of schema " + name);
        return;
      }
      try { await del("/schemas/" + enc(name)); location.hash = "#/schemas"; }
      catch (err) { message(status, err.message, true); }
    } }, "Delete subject");
  main.append(h("h2", {}, "Schema ", h("code", {}, name)), summary,
    h("p", {}, h("a", { href: "#/schemas" }, "All schemas")),
    h("h3", {}, "Latest version"), h("div", { class: "table-wrap" }, definition),
    h("h3", {}, "Versions"),
    table("schema-versions", "Versions of " + name, [["Version", "num"], ["Id", "num"], ["Type"], ["Registered"]], []),
    h("h3", {}, "Delete"), h("p", {}, "Removes every version of the subject. ", remove), status);
  main.querySelector("#schema-versions tbody").replaceWith(versions);
  (async () => {
    try {
      const [latest, all] = await Promise.all([get("/schemas/" + enc(name)), get("/schemas?limit=1000")]);
      summary.replaceChildren(...[["Latest version", latest.version], ["Id", latest.id], ["Type", latest.type],
        ["Compatibility", latest.compatibility]].map(([l, v]) =>
        h("div", { class: "card" }, h("div", { class: "label" }, l), h("div", { class: "value", "data-field": l }, String(v)))));
      let text = latest.schema;
      if (latest.type !== "protobuf") { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* as sent */ } }
      definition.textContent = text;
      versions.replaceChildren(...all.filter(v => v.name === name).map(v => h("tr", { "data-version": v.version },
        h("td", { class: "num" }, v.version), h("td", { class: "num" }, v.id), h("td", {}, v.type),
        h("td", {}, new Date(v.created_at).toLocaleString()))));
    } catch (err) { message(status, err.message, true); }
  })();
  return { title: "Schema " + name };
}

// ---------------------------------------------------------------------------------------------------- security

const list = text => text.split(",").map(x => x.trim()).filter(x => x);

function security(main) {
  const status = h("p", { role: "status", "aria-live": "polite", id: "security-status" });
  const fail = err => message(status, err.status === 501 ? "This broker has no users (no authentication)." : err.message, true);
  const username = h("input", { id: "user-name", required: true, autocomplete: "off" });
  const password = h("input", { id: "user-password", type: "password", required: true, autocomplete: "new-password" });
  const roles = h("input", { id: "user-roles", placeholder: "consumer, producer", autocomplete: "off" });
  const userForm = h("form", { class: "row", id: "create-user", "aria-label": "Create a user",
    onsubmit: async e => {
      e.preventDefault();
      try {
        await post("/users", { username: username.value.trim(), password: password.value, roles: list(roles.value) });
        message(status, "Created user " + username.value.trim() + ".");
        username.value = ""; password.value = "";
        refresh();
      } catch (err) { fail(err); }
    } },
    h("label", {}, "User name", username), h("label", {}, "Password", password),
    h("label", {}, "Roles (comma-separated)", roles), h("button", { type: "submit", id: "create-user-submit" }, "Create user"));
  const topic = h("input", { id: "acl-topic", required: true, autocomplete: "off" });
  const isPublic = h("input", { id: "acl-public", type: "checkbox" });
  const aclUsers = h("input", { id: "acl-users", placeholder: "alice, bob", autocomplete: "off" });
  const aclRoles = h("input", { id: "acl-roles", placeholder: "consumer", autocomplete: "off" });
  const aclForm = h("form", { class: "row", id: "set-acl", "aria-label": "Set a topic's ACL",
    onsubmit: async e => {
      e.preventDefault();
      try {
        await put("/acls/" + enc(topic.value.trim()), { public: isPublic.checked, allowed_users: list(aclUsers.value),
          allowed_roles: list(aclRoles.value) });
        message(status, "Set the ACL of topic " + topic.value.trim() + ".");
        refresh();
      } catch (err) { fail(err); }
    } },
    h("label", {}, "Topic", topic), h("label", {}, "Public (every user)", isPublic),
    h("label", {}, "Allowed users", aclUsers), h("label", {}, "Allowed roles", aclRoles),
    h("button", { type: "submit", id: "set-acl-submit" }, "Set ACL"));
  const users = h("tbody");
  const acls = h("tbody");
  const defaults = h("p", { class: "muted" }, "Topics without an ACL follow the broker's auth.default_public.");
  main.append(h("h2", {}, "Users and topic ACLs"), status,
    h("h3", {}, "Users"), userForm,
    table("users-table", "Users", [["User"], ["Roles"], ["Permissions"], ["Enabled"], ["Actions"]], []),
    h("h3", {}, "Topic ACLs"), aclForm, defaults,
    table("acls-table", "Topic ACLs", [["Topic"], ["Public"], ["Allowed users"], ["Allowed roles"], ["Actions"]], []));
  main.querySelector("#users-table tbody").replaceWith(users);
  main.querySelector("#acls-table tbody").replaceWith(acls);
  const confirming = new Set();
  function confirmButton(key, label, what, action) {
    const armed = confirming.has(key);
    return h("button", { type: "button", class: armed ? "danger" : "secondary",
      "aria-label": (armed ? "Confirm delete of " : "Delete ") + what,
      onclick: async () => {
        if (!confirming.has(key)) { confirming.add(key); refresh(); return; }
        confirming.delete(key);
        try { await action(); message(status, "Deleted " + what + "."); refresh(); } catch (err) { fail(err); }
      } }, armed ? "Confirm delete" : label);
  }
  async function refresh() {
    try {
      const all = await get("/users?limit=1000");
      users.replaceChildren(...all.map(u => h("tr", { "data-user": u.username },
        h("td", {}, u.username), h("td", {}, u.roles.join(", ")), h("td", {}, u.permissions.join(", ")),
        h("td", { "data-enabled": String(u.enabled) }, u.enabled ? "yes" : "no"),
        h("td", {},
          h("button", { type: "button", class: "secondary", "aria-label": (u.enabled ? "Disable user " : "Enable user ") + u.username,
            onclick: async () => {
              try { await put("/users/" + enc(u.username), { enabled: !u.enabled }); refresh(); } catch (err) { fail(err); }
            } }, u.enabled ? "Disable" : "Enable"), " ",
          confirmButton("user:" + u.username, "Delete", "user " + u.username, () => del("/users/" + enc(u.username)))))));
    } catch (err) { fail(err); }
    try {
      const all = await get("/acls?limit=1000");
      acls.replaceChildren(...all.map(a => h("tr", { "data-acl": a.topic },
        h("td", {}, a.topic), h("td", {}, a.public ? "yes" : "no"), h("td", {}, a.allowed_users.join(", ")),
        h("td", {}, a.allowed_roles.join(", ")),
        h("td", {}, confirmButton("acl:" + a.topic, "Delete", "the ACL of topic " + a.topic, () => del("/acls/" + enc(a.topic)))))));
    } catch (err) { fail(err); }
  }
  refresh();
  return { title: "Users and ACLs" };
}

export const pages = { overview, topics, messages, groups, schemas, security, cluster };
