/* Counter console: commands are JSON POSTs (session + CSRF); state arrives over Socket.IO. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var T = Adminduk.messages();
  var counterId = parseInt(root.getAttribute("data-counter-id"), 10);
  var office = root.getAttribute("data-office");
  var lang = document.documentElement.lang || "id";
  var state = JSON.parse(document.getElementById("counter-state").textContent);
  var busy = false;

  var el = {
    code: document.getElementById("current-code"),
    meta: document.getElementById("current-meta"),
    rows: document.getElementById("waiting-rows"),
    served: document.getElementById("served-today"),
    mean: document.getElementById("mean-service"),
    message: document.getElementById("message"),
    conn: document.getElementById("conn"),
    target: document.getElementById("transfer-target")
  };
  var buttons = {};
  Array.prototype.forEach.call(root.querySelectorAll("[data-action]"), function (b) {
    buttons[b.getAttribute("data-action")] = b;
  });

  function serviceName(code) {
    var s = (state.board.services || []).filter(function (x) { return x.code === code; })[0];
    return s ? (s.name[lang] || s.name.id) : code;
  }

  function myBoardCounter() {
    return (state.board.counters || []).filter(function (c) { return c.id === counterId; })[0];
  }

  function setText(node, text) { if (node.textContent !== text) { node.textContent = text; } }

  function render() {
    var cur = state.current;
    setText(el.code, cur ? cur.code : "—");
    setText(el.meta, cur ? serviceName(cur.service) + " · " + T.status + ": " + (T[cur.status] || cur.status) : T.none);
    root.setAttribute("data-current", cur ? cur.code : "");
    root.setAttribute("data-status", cur ? cur.status : "");
    buttons.recall.disabled = !cur || cur.status !== "called" || busy;
    buttons.start.disabled = !cur || cur.status !== "called" || busy;
    buttons.finish.disabled = !cur || busy;
    buttons["no-show"].disabled = !cur || cur.status !== "called" || busy;
    buttons.transfer.disabled = !cur || busy;
    buttons["call-next"].disabled = busy;
    Array.prototype.forEach.call(el.target.options, function (o) { o.disabled = !!cur && o.value === cur.service; });

    var mine = state.counter.services;
    var rows = (state.board.services || []).filter(function (s) { return mine.indexOf(s.code) >= 0; });
    /* rebuilt from text nodes only when the rows change (no HTML strings: names come from staff input) */
    var key = JSON.stringify(rows.map(function (s) { return [s.prefix, s.name[lang] || s.name.id, s.waiting]; }));
    if (el.rows.getAttribute("data-key") !== key) {
      el.rows.setAttribute("data-key", key);
      el.rows.replaceChildren.apply(el.rows, rows.map(function (s) {
        var tr = document.createElement("tr");
        var a = document.createElement("td"); a.textContent = s.prefix + " · " + (s.name[lang] || s.name.id);
        var b = document.createElement("td"); b.className = "num"; b.textContent = String(s.waiting);
        tr.appendChild(a); tr.appendChild(b);
        return tr;
      }));
    }
    var bc = myBoardCounter();
    setText(el.served, bc ? String(bc.served_today || 0) : "0");
    if (bc && bc.mean_service_s) {
      var m = bc.mean_service_s / 60;
      setText(el.mean, new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(m) + " " + T.minutes);
    } else { setText(el.mean, "–"); }
  }

  function say(text) { el.message.textContent = text; }

  /* queue_changed carries every counter's current ticket: the source of truth for both tabs. */
  function applyBoard(board) {
    if (!board || board.office !== office) { return; }
    state.board = board;
    var bc = myBoardCounter();
    if (bc && bc.current) {
      var c = bc.current;
      if (!state.current || state.current.id !== c.id || state.current.status !== c.status) {
        state.current = { id: c.id, code: c.code, service: c.service, status: c.status, called_at: c.called_at };
      }
    } else if (bc) {
      state.current = null;
    }
    render();
  }

  function applyTicket(t) {
    if (!t) { return; }
    if (t.counter && t.counter.id === counterId && (t.status === "called" || t.status === "serving")) {
      state.current = t;
    } else if (state.current && state.current.id === t.id) {
      state.current = null;
    }
    render();
  }

  function resync() {
    return Adminduk.getJSON("/counter/" + counterId + "/state").then(function (r) {
      if (r.ok && r.data) { state.board = r.data.board; state.current = r.data.current; render(); }
    });
  }

  function command(action) {
    if (busy || buttons[action].disabled) { return; }
    var cur = state.current, url, body = {};
    if (action === "call-next") { url = "/api/v1/counters/" + counterId + "/call-next"; }
    else if (!cur) { return; }
    else if (action === "transfer") { url = "/api/v1/tickets/" + cur.id + "/transfer"; body = { service: el.target.value }; }
    else { url = "/api/v1/tickets/" + cur.id + "/" + action; }
    busy = true; render();
    Adminduk.postJSON(url, body).then(function (r) {
      busy = false;
      if (!r.ok) {
        say(T.failed + ": " + ((r.data && r.data.message) || r.status));
        return resync();
      }
      if (action === "call-next") {
        if (r.status === 204) { state.current = null; say(T.empty); }
        else { state.current = r.data; say(T.called_msg + " " + r.data.code); }
      } else if (action === "recall") { state.current = r.data; say(T.recalled); }
      else if (action === "start") { state.current = r.data; say(T.started); }
      else if (action === "finish") { state.current = null; say(T.done); }
      else if (action === "no-show") { state.current = null; say(T.no_show); }
      else if (action === "transfer") { state.current = null; say(T.transferred + " " + body.service); }
      render();
    }, function () { busy = false; say(T.failed); render(); });
  }

  Object.keys(buttons).forEach(function (name) {
    buttons[name].addEventListener("click", function () { command(name); });
  });

  var keys = { n: "call-next", r: "recall", s: "start", f: "finish", x: "no-show" };
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) { return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "SELECT" && ev.key === "Enter") { ev.preventDefault(); command("transfer"); return; }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    var k = (ev.key || "").toLowerCase();
    if (k === "t") { ev.preventDefault(); el.target.focus(); return; }
    if (keys[k]) { ev.preventDefault(); command(keys[k]); }
  });

  function conn(stateName) {
    el.conn.setAttribute("data-state", stateName);
    el.conn.textContent = T[stateName] || stateName;
  }

  if (window.io) {
    var socket = window.io({ auth: { office: office }, transports: ["websocket", "polling"] });
    socket.on("connect", function () { conn("connected"); resync(); });
    socket.on("disconnect", function () { conn("offline"); });
    socket.on("connect_error", function () { conn("offline"); });
    socket.on("queue_changed", applyBoard);
    ["ticket_called", "ticket_recalled", "ticket_updated", "ticket_finished"].forEach(function (name) {
      socket.on(name, applyTicket);
    });
  }

  /* the counter stays open for wait estimates while this page is open; the server closes a silent one */
  function heartbeat() {
    Adminduk.postJSON("/counter/" + counterId + "/heartbeat", {}).catch(function () { /* offline: next time */ });
  }
  heartbeat();  // at once: a counter left open yesterday must not be closed as away in the next minute
  window.setInterval(heartbeat, 60000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { heartbeat(); } });

  /* ---- breaks ("Istirahat sampai 13:00"): the dialog, "Kembali", the banner. A block of its own. ----
     The dialog is a modal <dialog> (focus moves in, Esc closes, focus returns to its button); the forms post
     without JavaScript too. While it is open the console's letter shortcuts are off. */
  (function breaks() {
    var panel = document.getElementById("break-panel");
    var dialog = document.getElementById("break-dialog");
    if (!panel || !dialog || typeof dialog.showModal !== "function") { return; }
    var form = document.getElementById("break-form"), input = document.getElementById("break-until");
    var opener = document.getElementById("break-open"), cancel = document.getElementById("break-cancel");
    var resume = document.getElementById("resume-form"), status = document.getElementById("break-status");
    var error = document.getElementById("break-error"), others = document.getElementById("break-others");

    function show(info) {
      state.counter["break"] = info || null;
      panel.setAttribute("data-on-break", info ? "true" : "false");
      setText(status, info ? T.break_until.replace("{t}", info.local) : "");
      resume.hidden = !info;
      opener.hidden = !!info;
    }

    function fromBoard(board) {
      if (!board || board.office !== office) { return; }
      var mine = (board.counters || []).filter(function (c) { return c.id === counterId; })[0];
      if (mine) {
        var b = mine["break"] || null, cur = state.counter["break"] || null;
        if (!b !== !cur || (b && cur && b.until !== cur.until)) { show(b); }
      }
      var away = (board.counters || []).filter(function (c) { return c.id !== counterId && c["break"]; });
      setText(others, away.length ? T.others_on_break + " " + away.map(function (c) {
        return T.counter + " " + c.number + " " + T.until_short + " " + c["break"].local;
      }).join(", ") : "");
    }

    function open() {
      error.textContent = "";
      input.value = input.getAttribute("data-default") || input.value;
      dialog.showModal();
      input.focus();
    }

    opener.addEventListener("click", open);
    cancel.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { if (!opener.hidden) { opener.focus(); } });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      Adminduk.postJSON(form.getAttribute("action"), { until: input.value }).then(function (r) {
        if (!r.ok) { error.textContent = (r.data && r.data.message) || T.failed; input.focus(); return; }
        show(r.data["break"]);
        dialog.close();
        say(r.data.message);
        resume.querySelector("button").focus();
      }, function () { error.textContent = T.failed; });
    });
    resume.addEventListener("submit", function (ev) {
      ev.preventDefault();
      Adminduk.postJSON(resume.getAttribute("action"), {}).then(function (r) {
        if (!r.ok) { say(T.failed + ": " + ((r.data && r.data.message) || r.status)); return; }
        show(null);
        say(r.data.message);
        opener.focus();
      }, function () { say(T.failed); });
    });
    /* capture phase: runs before the console's own shortcuts, and keeps them off while the dialog is open */
    document.addEventListener("keydown", function (ev) {
      if (dialog.open) { ev.stopPropagation(); return; }
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) { return; }
      var tag = (ev.target && ev.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
      if ((ev.key || "").toLowerCase() === "b" && !opener.hidden) { ev.preventDefault(); ev.stopPropagation(); open(); }
    }, true);
    if (typeof socket !== "undefined" && socket) { socket.on("queue_changed", fromBoard); }
    fromBoard(state.board);
  })();
  /* ---- end of breaks ---- */

  render();
})();
