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
  var transferDefaults = JSON.parse(document.getElementById("transfer-defaults").textContent);
  var busy = false;
  var queued = null;  /* a key pressed while a command was on its way: done when the answer arrives */

  var el = {
    code: document.getElementById("current-code"),
    meta: document.getElementById("current-meta"),
    rows: document.getElementById("waiting-rows"),
    served: document.getElementById("served-today"),
    mean: document.getElementById("mean-service"),
    message: document.getElementById("message"),
    conn: document.getElementById("conn"),
    target: document.getElementById("transfer-target"),
    confirm: document.getElementById("confirm"),
    confirmText: document.getElementById("confirm-text"),
    confirmYes: document.getElementById("confirm-yes"),
    confirmYesLabel: document.getElementById("confirm-yes-label"),
    confirmNo: document.getElementById("confirm-no")
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

  function fill(tpl, values) {
    return String(tpl || "").replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }

  /* The console itself takes the focus back after a question or a transfer, so N/R/S/F/X work at once. */
  function backToConsole() { root.focus({ preventScroll: true }); }

  /* ------------------------------------------------------------ transfer targets
     Never the ticket's own service; the list starts on what this console chose last for that service, else
     where this office usually sends it (e.g. Perekaman -> Pencetakan), else a service this counter does not
     serve. Set once per ticket: the clerk's own choice is kept while the ticket stays. */
  var targetsFor = null;

  function usableTarget(code, source) {
    if (!code || code === source) { return null; }
    return Array.prototype.filter.call(el.target.options, function (o) { return o.value === code; })[0] || null;
  }

  function rememberTarget(source, code) {
    try { window.sessionStorage.setItem("adminduk.transfer." + source, code); } catch (e) { /* private mode */ }
  }

  function defaultTarget(source) {
    var remembered = null;
    try { remembered = window.sessionStorage.getItem("adminduk.transfer." + source); } catch (e) { /* none */ }
    var candidates = [remembered, (transferDefaults.usual || {})[source]].concat(transferDefaults.elsewhere || []);
    Array.prototype.forEach.call(el.target.options, function (o) { candidates.push(o.value); });
    for (var i = 0; i < candidates.length; i++) {
      if (usableTarget(candidates[i], source)) { return candidates[i]; }
    }
    return null;
  }

  function setupTargets(cur) {
    Array.prototype.forEach.call(el.target.options, function (o) {
      var own = !!cur && o.value === cur.service;
      o.disabled = own;
      o.hidden = own;
    });
    var key = cur ? cur.id + ":" + cur.service : "";
    if (key === targetsFor) { return; }
    targetsFor = key;
    var pick = cur ? defaultTarget(cur.service) : null;
    if (pick) { el.target.value = pick; }
  }

  /* ------------------------------------------------------------ one question at a time
     Enter answers with the focused button ("yes" first), Esc cancels; letters do nothing meanwhile, so a second
     N never decides anything. */
  var pendingYes = null;

  function ask(question, yesLabel, onYes) {
    pendingYes = onYes;
    say("");
    el.confirmText.textContent = question;
    el.confirmYesLabel.textContent = yesLabel;
    el.confirm.hidden = false;
    root.setAttribute("data-asking", "true");
    el.confirmYes.focus();
  }

  function answer(yes) {
    var onYes = pendingYes;
    pendingYes = null;
    el.confirm.hidden = true;
    root.removeAttribute("data-asking");
    backToConsole();
    if (yes && onYes) { onYes(); } else if (!yes && onYes) { say(T.cancelled); }
  }

  el.confirmYes.addEventListener("click", function () { answer(true); });
  el.confirmNo.addEventListener("click", function () { answer(false); });

  function render() {
    var cur = state.current;
    setText(el.code, cur ? cur.code : "—");
    setText(el.meta, cur ? serviceName(cur.service) + " · " + T.status + ": " + (T[cur.status] || cur.status) : T.none);
    root.setAttribute("data-current", cur ? cur.code : "");
    root.setAttribute("data-status", cur ? cur.status : "");
    root.setAttribute("data-busy", busy ? "true" : "false");
    buttons.recall.disabled = !cur || cur.status !== "called" || busy;
    buttons.start.disabled = !cur || cur.status !== "called" || busy;
    buttons.finish.disabled = !cur || busy;
    buttons["no-show"].disabled = !cur || cur.status !== "called" || busy;
    setupTargets(cur);
    buttons.transfer.disabled = !cur || busy || !usableTarget(el.target.value, cur.service);
    buttons["call-next"].disabled = busy;

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
    if (bc) {
      var c = bc.current, cur = state.current;
      /* Pushes are not ordered with this tab's own answers: a board built before the last command can arrive
         after its answer. When it says otherwise than the console knows, read the counter afresh rather than
         going back to an older state (another tab's command is read the same way). */
      if (c ? (!cur || cur.id !== c.id || cur.status !== c.status) : !!cur) { resyncSoon(); }
    }
    render();
  }

  function applyTicket(t) {
    if (!t) { return; }
    var cur = state.current;
    if (t.counter && t.counter.id === counterId && (t.status === "called" || t.status === "serving")) {
      if (!cur || cur.id !== t.id || cur.status !== t.status) { resyncSoon(); }
    } else if (cur && cur.id === t.id) {
      state.current = null;  /* this ticket left the counter: final, never stale */
      render();
    }
  }

  /* A read of the counter started before a command was sent (or while one is on its way) is older than
     that command's answer: it is dropped, and read again once the command is done. */
  var epoch = 0, resyncTimer = null;
  function resync() {
    if (busy) { resyncSoon(); return Promise.resolve(); }  /* a read beside a command may miss or precede it */
    var started = epoch;
    return Adminduk.getJSON("/counter/" + counterId + "/state").then(function (r) {
      if (!(r.ok && r.data)) { return; }
      if (busy || started !== epoch) { resyncSoon(); return; }
      state.board = r.data.board; state.current = r.data.current; render();
    });
  }
  function resyncSoon() {
    if (resyncTimer) { return; }
    resyncTimer = setTimeout(function () { resyncTimer = null; resync(); }, 150);
  }

  /* A button or its key. "call next" on a ticket only called (never started) asks first: the citizen was not
     served, so the server would refuse to close it (409); the answer marks it absent (the no-show rule requeues
     it) and calls the next. A ticket being served is finished by "call next". A transfer asks first too. */
  function command(action) {
    if (busy) { queued = action; return; }  /* S right after N: not lost, done once N's answer is in */
    if (buttons[action].disabled) { return; }
    if (pendingYes) { answer(false); }
    var cur = state.current;
    if (action === "call-next") {
      if (cur && cur.status === "called") { askNoShow(cur); return; }
      send(action, "/api/v1/counters/" + counterId + "/call-next", {}, cur);
      return;
    }
    if (!cur) { return; }
    if (action === "transfer") {
      var option = usableTarget(el.target.value, cur.service);
      if (!option) { return; }
      var code = option.value, name = option.getAttribute("data-name") || code;
      ask(fill(T.ask_transfer, { code: cur.code, service: name }), T.yes_transfer, function () {
        send("transfer", "/api/v1/tickets/" + cur.id + "/transfer", { service: code }, cur, name);
      });
      return;
    }
    send(action, "/api/v1/tickets/" + cur.id + "/" + action, {}, cur);
  }

  function askNoShow(t) {
    ask(fill(T.ask_no_show, { code: t.code }), T.yes_no_show, function () {
      send("call-next", "/api/v1/counters/" + counterId + "/call-next",
           { previous: "no_show", previous_id: t.id }, t);
    });
  }

  function send(action, url, body, cur, targetName) {
    busy = true; epoch += 1; render();
    Adminduk.postJSON(url, body).then(function (r) {
      busy = false;
      if (!r.ok) {
        queued = null;
        var d = r.data || {};
        if (action === "call-next" && d.error === "previous_not_started" && d.details) {
          render();  /* another tab knew better: the ticket is only called; ask, as for N */
          askNoShow({ id: d.details.ticket_id, code: d.details.ticket });
          return resync();
        }
        say(T.failed + ": " + (d.message || r.status));
        return resync();
      }
      if (action === "call-next") {
        var before = !cur ? "" : (body.previous === "no_show" ? fill(T.absent, { code: cur.code })
                                                              : fill(T.finished_code, { code: cur.code })) + " ";
        if (r.status === 204) { state.current = null; say(before + T.empty); }
        else { state.current = r.data; say(before + T.called_msg + " " + r.data.code); }
      } else if (action === "recall") { state.current = r.data; say(T.recalled); }
      else if (action === "start") { state.current = r.data; say(T.started); }
      else if (action === "finish") { state.current = null; say(T.done); }
      else if (action === "no-show") { state.current = null; say(T.no_show); }
      else if (action === "transfer") {
        rememberTarget(cur.service, body.service);
        state.current = null; say(T.transferred + " " + targetName);
      }
      render();
      if (action === "transfer") { backToConsole(); }
      runQueued();
    }, function () { busy = false; queued = null; say(T.failed); render(); });
  }

  function runQueued() {
    var action = queued;
    queued = null;
    if (action && !pendingYes) { command(action); }
  }

  Object.keys(buttons).forEach(function (name) {
    buttons[name].addEventListener("click", function () { command(name); });
  });

  var keys = { n: "call-next", r: "recall", s: "start", f: "finish", x: "no-show" };
  document.addEventListener("keydown", function (ev) {
    if (ev.repeat && ev.key === "Enter") { ev.preventDefault(); return; }  /* a held Enter answers nothing */
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) { return; }
    if (pendingYes) {  /* a question is open: Enter on its focused button, Esc cancels, nothing else */
      if (ev.key === "Escape") { ev.preventDefault(); answer(false); }
      else if (ev.key !== "Enter" && ev.key !== "Tab" && ev.key !== " ") { ev.preventDefault(); }
      return;
    }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "SELECT" && ev.key === "Enter") { ev.preventDefault(); command("transfer"); return; }
    if (tag === "SELECT" && ev.key === "Escape") { ev.preventDefault(); backToConsole(); return; }
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
