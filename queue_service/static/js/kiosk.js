/* Kiosk page: press a service, show the ticket with its QR, follow its print job, reset.
   No inline scripts (CSP); data comes from JSON blocks in the page. */
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }

  var cfg = json("kiosk-config");
  var S = json("i18n");
  var N = json("kiosk-notices");
  var priority = null;
  var busy = false;
  var resetTimer = null;
  var resetAt = 0;
  var countdownTimer = null;
  var pollTimer = null;
  var openOverlay = null;
  var lastFocus = null;

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (m, key) {
      return values && values[key] !== undefined ? values[key] : m;
    });
  }

  function $(id) { return document.getElementById(id); }

  /* ------------------------------------------------------------ overlays */

  function show(id) {
    hideAll();
    var el = $(id);
    lastFocus = document.activeElement;
    el.hidden = false;
    openOverlay = el;
    document.body.classList.add("has-overlay");
    var first = el.querySelector("button:not([hidden])");
    if (first) { first.focus(); }
  }

  function hideAll() {
    ["priority-dialog", "ticket", "notice"].forEach(function (id) { $(id).hidden = true; });
    openOverlay = null;
    document.body.classList.remove("has-overlay");
  }

  function close() {
    hideAll();
    if (lastFocus && lastFocus.focus) { lastFocus.focus(); }
  }

  function clearTimers() {
    if (resetTimer) { clearTimeout(resetTimer); resetTimer = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (countdownTimer) { clearInterval(countdownTimer); countdownTimer = null; }
    showCountdown();
  }

  /* The open ticket or notice says how long it stays ("Selesai"/"Kembali" ends it sooner). */
  function showCountdown() {
    var left = resetTimer ? Math.max(0, Math.ceil((resetAt - Date.now()) / 1000)) : 0;
    Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), function (el) {
      var text = left > 0 && openOverlay && openOverlay.contains(el) ? fmt(S.countdown, { n: left }) : "";
      if (el.textContent !== text) { el.textContent = text; }
    });
  }

  function scheduleReset(seconds) {
    if (resetTimer) { clearTimeout(resetTimer); }
    resetAt = Date.now() + seconds * 1000;
    resetTimer = setTimeout(reset, seconds * 1000);
    if (!countdownTimer) { countdownTimer = setInterval(showCountdown, 1000); }
    showCountdown();
  }

  function setPriority(group, label) {
    priority = group;
    var banner = $("priority-banner");
    if (group) {
      $("priority-text").textContent = fmt(S.priority_for, { group: label });
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  /* Back to the start: Indonesian, no priority, fresh counts. */
  function reset() {
    clearTimers();
    hideAll();
    setPriority(null);
    busy = false;
    document.body.classList.remove("busy");
    if (cfg.locale && cfg.locale !== "id") {
      window.location.href = cfg.homeUrl + "?lang=id";
      return;
    }
    refreshState();
  }

  /* ------------------------------------------------------------ notices */

  function notice(title, text, action) {
    clearTimers();
    $("notice-title").textContent = title;
    $("notice-text").textContent = text;
    var btn = $("notice-action");
    if (action) {
      btn.textContent = action.label;
      btn.dataset.service = action.service;
      btn.hidden = false;
    } else {
      btn.hidden = true;
      delete btn.dataset.service;
    }
    show("notice");
    scheduleReset(30);
  }

  function explain(button) {
    var state = button.dataset.state;
    if (state === "quota") {
      var fb = button.dataset.fallback;
      notice(N.quota_title, N.quota_text + " " + (fb ? fmt(N.quota_fallback, { name: button.dataset.fallbackName })
                                                   : N.quota_none),
             fb ? { label: fmt(S.offer, { name: button.dataset.fallbackName }), service: fb } : null);
    } else if (state === "office_closed") {
      notice(N.office_closed_title, N.office_closed_text, null);
    } else {
      var fb2 = button.dataset.fallback;
      notice(N.closed_title, N.closed_text,
             fb2 ? { label: fmt(S.offer, { name: button.dataset.fallbackName }), service: fb2 } : null);
    }
  }

  /* ------------------------------------------------------------ issuing */

  function issue(service) {
    if (busy) { return; }  /* the server also returns the same ticket for a double press */
    busy = true;
    document.body.classList.add("busy");
    Adminduk.postJSON(cfg.issueUrl, { service: service, priority: priority }).then(function (res) {
      busy = false;
      document.body.classList.remove("busy");
      if (res.ok && res.data) { showTicket(res.data); return; }
      failed(res, service);
    }).catch(function () {
      busy = false;
      document.body.classList.remove("busy");
      notice(N.error_title, S.offline, null);
    });
  }

  function failed(res, service) {
    var code = res.data && res.data.error;
    if (res.status === 429) {
      notice(N.throttled_title, S.throttled, null);
    } else if (code === "quota_reached" || code === "service_unavailable") {
      refreshState(function () {
        var btn = document.querySelector('.service[data-service="' + service + '"]');
        if (btn && btn.dataset.state !== "open") { explain(btn); }
        else { notice(N.error_title, S.error, null); }
      }, true);
    } else {
      notice(N.error_title, S.error, null);
    }
  }

  function showTicket(t) {
    clearTimers();
    var name = (t.service_name && (t.service_name[cfg.locale] || t.service_name.id)) || t.service;
    var title = $("ticket-title");
    title.textContent = t.duplicate ? S.duplicate : title.getAttribute("data-new");
    $("ticket-code").textContent = t.code;
    var prio = $("ticket-priority");
    prio.textContent = t.priority ? fmt(S.priority_ticket, { group: (cfg.groups || {})[t.priority] || t.priority }) : "";
    prio.hidden = !t.priority;
    $("ticket-service").textContent = name;
    $("ticket-ahead").textContent = t.position ? fmt(S.people_ahead, { n: t.position }) : S.no_one_ahead;
    var eta = "";
    if (t.estimate && t.estimate.p10 !== null && t.estimate.p90 !== null && t.estimate.p10 !== undefined &&
        t.estimate.p90 > 0) {
      eta = t.estimate.p10 === t.estimate.p90 ? fmt(S.estimate_one, { n: t.estimate.p10 })
                                              : fmt(S.estimate, { low: t.estimate.p10, high: t.estimate.p90 });
    }
    $("ticket-eta").textContent = eta;
    $("ticket-qr").src = t.qr;
    var box = $("ticket");
    box.classList.remove("print-failed", "print-ok", "duplicate");
    show("ticket");
    var job = t.print_job || {};
    if (t.duplicate) {
      /* a second press within the double-press window: the same ticket, nothing new printed; say so */
      box.classList.add("duplicate");
      $("ticket-print").textContent = t.message || S.duplicate;
      scheduleReset(cfg.resetSeconds);
    } else if (job.status === "none") {
      printFailed(S.no_printer);
    } else if (!job.id) {
      printFailed(S.printer_problem);
    } else {
      $("ticket-print").textContent = S.printing;
      scheduleReset(cfg.resetSeconds);
      follow(job.id);
    }
  }

  function printFailed(text) {
    $("ticket-print").textContent = text;
    $("ticket").classList.add("print-failed");
    scheduleReset(cfg.failedResetSeconds);
  }

  /* Follow the print job until it is sent or has failed. The outcome comes over the kiosk's socket
     (print_done / print_failed to the office's kiosks); the job is read once when followed and on every
     reconnect (it may have finished before we listened), and read every 2 s only while the socket is down.
     A job still waiting after 8 s is a problem for the citizen in front of the kiosk, so the screen says so. */
  var watched = null;  /* {id, started} of the job on screen */
  function follow(id) {
    watched = { id: id, started: Date.now() };
    readJob(id);
    pollTimer = setTimeout(function stuck() {
      if (!watched || watched.id !== id || $("ticket").hidden) { return; }
      if (!$("ticket").classList.contains("print-failed")) { printFailed(S.printer_problem); }
      if (!live) { readJob(id); }
      pollTimer = setTimeout(stuck, 2000);
    }, 8000);
  }

  function jobOutcome(id, st, errorKind) {
    if (!watched || watched.id !== id || $("ticket").hidden) { return; }
    if (st === "sent") {
      watched = null;
      if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
      $("ticket-print").textContent = S.printed;
      $("ticket").classList.remove("print-failed");
      $("ticket").classList.add("print-ok");
    } else if (st === "held" || errorKind === "paper_out") {
      printFailed(S.paper_out);
    } else if (st === "failed") {
      printFailed(S.printer_problem);
    }
  }

  function readJob(id) {
    Adminduk.getJSON(cfg.printUrl + id).then(function (res) {
      if (res.ok && res.data) { jobOutcome(id, res.data.status, res.data.error_kind); }
    }, function () { /* the socket or the next read will tell */ });
  }

  /* ------------------------------------------------------------ state refresh */

  function refreshState(after, force) {
    Adminduk.getJSON(cfg.stateUrl).then(function (res) {
      if (!res.ok || !res.data) { if (after) { after(); } return; }
      var changed = false;
      res.data.services.forEach(function (s) {
        var btn = document.querySelector('.service[data-service="' + s.code + '"]');
        if (!btn) { changed = true; return; }
        if (btn.dataset.state !== s.state || (!!btn.dataset.fallback) !== !!s.fallback) { changed = true; }
        var w = btn.querySelector('[data-role="waiting"]');
        if (w) { w.textContent = fmt(S.waiting, { n: s.waiting }); }
        var l = btn.querySelector('[data-role="left"]');
        if (l && s.left !== null) { l.textContent = fmt(S.left, { n: s.left }); }
      });
      if (changed && !openOverlay && !force) { window.location.reload(); return; }
      if (changed && force) {
        /* update the pressed buttons' state in place so the notice explains it; the page reloads on reset */
        res.data.services.forEach(function (s) {
          var btn = document.querySelector('.service[data-service="' + s.code + '"]');
          if (!btn) { return; }
          btn.dataset.state = s.state;
          if (s.fallback) {
            btn.dataset.fallback = s.fallback.code;
            btn.dataset.fallbackName = s.fallback.name[cfg.locale] || s.fallback.name.id;
          }
        });
      }
      if (after) { after(); }
    }).catch(function () { if (after) { after(); } });
  }

  /* ------------------------------------------------------------ wiring */

  $("services").addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-service]");
    if (!btn) { return; }
    if (btn.dataset.state === "open") { issue(btn.dataset.service); } else { explain(btn); }
  });

  $("notice-action").addEventListener("click", function () {
    var service = this.dataset.service;
    hideAll();
    if (service) { issue(service); }
  });

  var openPriority = $("priority-open");
  if (openPriority) {
    openPriority.addEventListener("click", function () { show("priority-dialog"); });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".priority-choice"), function (btn) {
    btn.addEventListener("click", function () {
      setPriority(btn.dataset.group, btn.dataset.label);
      hideAll();
      var first = document.querySelector('.service[data-state="open"]');
      if (first) { first.focus(); }
      scheduleReset(60);
    });
  });
  $("priority-cancel").addEventListener("click", function () { setPriority(null); clearTimers(); });

  Array.prototype.forEach.call(document.querySelectorAll("[data-close]"), function (btn) {
    btn.addEventListener("click", function () {
      if (btn.closest("#ticket") || btn.closest("#notice")) { reset(); } else { close(); }
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && openOverlay) { reset(); }
  });

  /* ------------------------------------------------------------ live counts
     The kiosk's socket (its paired cookie puts it in the office's kiosk room) hears every queue change: the
     waiting counts change at once; the quotas and button states follow with one state read a moment later.
     Without the socket the page reads the state every 10 s, with it every 60 s (opening hours). */
  var live = false;
  var stateSoon = null;
  var sinceRefresh = 0;

  function applyBoard(board) {
    if (!board || board.office !== cfg.office || !board.services) { return; }
    board.services.forEach(function (s) {
      var btn = document.querySelector('.service[data-service="' + s.code + '"]');
      var w = btn && btn.querySelector('[data-role="waiting"]');
      var text = fmt(S.waiting, { n: s.waiting });
      if (w && w.textContent !== text) { w.textContent = text; }
    });
    if (!stateSoon) {
      stateSoon = setTimeout(function () {
        stateSoon = null;
        if (!busy) { sinceRefresh = 0; refreshState(); }
      }, 3000);
    }
  }

  if (window.io) {
    var socket = window.io({ transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      live = true; document.body.setAttribute("data-live", "true"); refreshState();
      if (watched) { readJob(watched.id); }
    });
    socket.on("disconnect", function () { live = false; document.body.removeAttribute("data-live"); });
    socket.on("queue_changed", applyBoard);
    ["print_done", "print_failed"].forEach(function (name) {
      socket.on(name, function (p) { if (p) { jobOutcome(p.job_id, p.status, p.error_kind); } });
    });
  }

  setInterval(function () {
    sinceRefresh += 10;
    if (sinceRefresh >= (live ? 60 : 10) && !openOverlay && !busy && !priority) { sinceRefresh = 0; refreshState(); }
  }, 10000);
})();
