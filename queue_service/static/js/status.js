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

  function render(prevStatus) {
    el.root.setAttribute("data-status", t.status);
    el.status.textContent = T[t.status] || t.status;
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
      // resync after a reconnect: the ticket's public JSON
      Adminduk.getJSON("/api/v1/tickets/" + encodeURIComponent(init.token)).then(function (r) {
        if (r.ok && r.data) { var e = t.estimate; update(r.data); if (t.status === "waiting" && !r.data.estimate) { t.estimate = e; render(t.status); } }
      });
    });
    socket.on("disconnect", function () { el.conn.hidden = false; el.conn.textContent = T.offline; });
    ["ticket_called", "ticket_recalled", "ticket_updated", "ticket_finished", "ticket_issued"].forEach(function (name) {
      socket.on(name, update);
    });
  }
  render(null);
})();
