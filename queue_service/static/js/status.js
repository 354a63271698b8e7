/* Live status page: follows the ticket's own Socket.IO room (auth = the ticket token). */
(function () {
  "use strict";
  var stEl = document.getElementById("status-state");
  if (!stEl) { return; }
  var init = JSON.parse(stEl.textContent);
  var T = Adminduk.messages();
  var t = init.ticket;
  var el = {
    root: document.getElementById("ticket"),
    service: document.getElementById("ticket-service"),
    notice: document.getElementById("ticket-notice"),
    status: document.getElementById("ticket-status"),
    ahead: document.getElementById("ticket-ahead"),
    aheadRow: document.getElementById("ahead-row"),
    eta: document.getElementById("ticket-eta"),
    etaRow: document.getElementById("eta-row"),
    banner: document.getElementById("call-banner"),
    callText: document.getElementById("call-text"),
    conn: document.getElementById("conn")
  };

  function fill(tpl, values) {
    return tpl.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  var lang = document.documentElement.lang || "id";

  function serviceName() {
    var n = t.service_name || {};
    return n[lang] || n.id || t.service || "";
  }

  /* In words, what happened to the ticket: sent back after a no-show, no longer valid, moved to a service. */
  function notice() {
    if (t.status === "waiting" && t.requeues) { return ["requeued", T.requeued]; }
    if (t.status === "no_show") { return ["no_show", T.no_show_final]; }
    if (t.status === "waiting" && t.transferred) { return ["transferred", fill(T.transferred, { service: serviceName() })]; }
    return ["", ""];
  }

  function render(prevStatus) {
    el.root.setAttribute("data-status", t.status);
    el.status.textContent = T[t.status] || t.status;
    if (el.service.textContent !== serviceName()) { el.service.textContent = serviceName(); }
    var n = notice();
    el.notice.setAttribute("data-kind", n[0]);
    if (el.notice.textContent !== n[1]) { el.notice.textContent = n[1]; }
    el.notice.hidden = !n[1];
    var waiting = t.status === "waiting";
    el.aheadRow.hidden = !waiting;
    el.etaRow.hidden = !waiting;
    if (waiting) {
      el.ahead.textContent = t.position === null || t.position === undefined ? "–" : String(t.position);
      el.eta.replaceChildren();
      if (t.estimate && t.estimate.p90 < 1) {
        el.eta.textContent = T.soon;
      } else if (t.estimate) {
        el.eta.appendChild(document.createTextNode(fill(T.about, { m: t.estimate.minutes }) + " "));
        var span = document.createElement("span");
        span.className = "range"; span.id = "ticket-range";
        span.textContent = "(" + fill(T.range, { a: t.estimate.p10, b: t.estimate.p90 }) + ")";
        el.eta.appendChild(span);
      } else {
        el.eta.textContent = T.unknown;
      }
    }
    var called = (t.status === "called" || t.status === "serving") && t.counter;
    el.banner.hidden = !called;
    if (called) {
      el.callText.textContent = fill(T.go_to, { n: t.counter.number });
      if (prevStatus !== t.status && t.status === "called" && navigator.vibrate) {
        try { navigator.vibrate([400, 150, 400, 150, 400]); } catch (e) { /* not allowed */ }
      }
    }
  }

  function update(payload) {
    if (!payload || payload.id !== t.id) { return; }
    var prev = t.status;
    Object.keys(payload).forEach(function (k) {
      if (k === "estimate" && payload.status !== "waiting") { return; }
      t[k] = payload[k];
    });
    if (payload.status !== "waiting") { t.estimate = null; }
    render(prev);
  }

  if (window.io) {
    var socket = window.io({ auth: { token: init.token }, transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      el.conn.hidden = true;
      el.conn.setAttribute("data-state", "connected");
      // resync after a reconnect: the ticket's public JSON
      Adminduk.getJSON("/api/v1/tickets/" + encodeURIComponent(init.token)).then(function (r) {
        if (r.ok && r.data) { var e = t.estimate; update(r.data); if (t.status === "waiting" && !r.data.estimate) { t.estimate = e; render(t.status); } }
      });
    });
    socket.on("disconnect", function () {
      el.conn.setAttribute("data-state", "offline");
      el.conn.hidden = false; el.conn.textContent = T.offline;
    });
    // every event of the ticket's room, for the features' panel scripts (hooks.StatusPanel)
    socket.onAny(function (name, payload) {
      document.dispatchEvent(new CustomEvent("adminduk:ticket-event", { detail: { name: name, payload: payload } }));
    });
    ["ticket_called", "ticket_recalled", "ticket_updated", "ticket_finished", "ticket_issued"].forEach(function (name) {
      socket.on(name, update);
    });
  }
  render(null);
})();
