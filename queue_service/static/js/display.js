/* Waiting-room display: calls are queued and shown/announced one at a time; resyncs after reconnects. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("display-config");
  if (!cfgEl) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var T = Adminduk.messages();
  var lang = document.documentElement.lang || "id";
  var board = cfg.board;
  var filter = cfg.filter || { services: [], counters: [] };
  var queue = [];
  var showing = null;
  var MIN_SHOW_MS = 4500, MAX_SPEECH_MS = 12000;

  var el = {
    now: document.getElementById("now"),
    code: document.getElementById("now-code"),
    counter: document.getElementById("now-counter"),
    service: document.getElementById("now-service"),
    recent: document.getElementById("recent-rows"),
    waiting: document.getElementById("waiting-list"),
    time: document.getElementById("clock-time"),
    date: document.getElementById("clock-date"),
    conn: document.getElementById("conn"),
    sound: document.getElementById("sound-button")
  };
  var chime = new Audio(cfg.chime);
  chime.preload = "auto";

  function passes(service, counterNumber) {
    if (filter.services.length && filter.services.indexOf(service) < 0) { return false; }
    if (filter.counters.length && filter.counters.indexOf(counterNumber) < 0) { return false; }
    return true;
  }

  function serviceName(code) {
    var s = (board.services || []).filter(function (x) { return x.code === code; })[0];
    return s ? (s.name[lang] || s.name.id) : code;
  }

  /* ---- counters on a break: "Loket 3 istirahat sampai 13:00" */
  function renderBreaks() {
    var line = document.getElementById("breaks-line");
    if (!line) { return; }
    var away = (board.counters || []).filter(function (c) { return c["break"] && (!filter.counters.length || filter.counters.indexOf(c.number) >= 0);
    });
    var text = away.map(function (c) { return T.counter + " " + c.number + " " + T.on_break + " " + c["break"].local; }).join(" · ");
    if (line.textContent !== text) { line.textContent = text; }
  }

  /* ---- board: waiting counts and last calls */
  function renderBoard() {
    renderBreaks();
    var items = (board.services || []).filter(function (s) {
      return s.active && (!filter.services.length || filter.services.indexOf(s.code) >= 0);
    });
    var frag = document.createDocumentFragment();
    items.forEach(function (s) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.className = "w-name"; name.textContent = s.prefix + " · " + (s.name[lang] || s.name.id);
      var n = document.createElement("span"); n.className = "w-count"; n.textContent = String(s.waiting);
      n.setAttribute("aria-label", s.waiting + " " + T.waiting);
      li.appendChild(name); li.appendChild(n); frag.appendChild(li);
    });
    el.waiting.replaceChildren(frag);

    var recent = (board.recent_calls || []).filter(function (c) { return passes(c.service, c.counter); });
    if (showing) {  // the call in the big panel is not repeated below
      recent = recent.filter(function (c) { return c.code !== showing.code; });
    }
    var rows = document.createDocumentFragment();
    recent.slice(0, 6).forEach(function (c) {
      var tr = document.createElement("tr");
      var a = document.createElement("td"); a.textContent = c.code;
      var b = document.createElement("td"); b.textContent = T.counter + " " + c.counter;
      tr.appendChild(a); tr.appendChild(b); rows.appendChild(tr);
    });
    el.recent.replaceChildren(rows);
  }

  function applyBoard(b) {
    if (!b || b.office !== cfg.office.code) { return; }
    board = b;
    if (!showing && !queue.length) {  // show the latest call after a (re)load
      var last = (board.recent_calls || []).filter(function (c) { return passes(c.service, c.counter); })[0];
      if (last) { paint({ code: last.code, counter: last.counter, service: last.service, text: "" }, false); }
    }
    renderBoard();
  }

  function resync() {
    return Adminduk.getJSON(cfg.queue_url).then(function (r) {
      if (r.ok && r.data) { applyBoard(r.data); }
    }, function () {});
  }

  /* ---- calls: one at a time */
  function paint(call, flash) {
    el.code.textContent = call.code;
    el.counter.textContent = T.counter + " " + call.counter;
    el.service.textContent = (call.recall ? T.recall + " · " : "") + serviceName(call.service);
    el.now.setAttribute("data-announcement", call.text || "");
    el.now.setAttribute("data-code", call.code);
    if (flash) {
      el.now.classList.remove("flash");
      void el.now.offsetWidth;  // restart the animation
      el.now.classList.add("flash");
    }
  }

  function idVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices() || [];
    return voices.filter(function (v) { return /^id([-_]|$)/i.test(v.lang); })[0] || null;
  }

  function speak(text) {
    return new Promise(function (resolve) {
      var voice = idVoice();
      if (!voice || !text) { resolve(); return; }
      var u = new SpeechSynthesisUtterance(text);
      u.voice = voice; u.lang = voice.lang; u.rate = 0.9;
      var done = false;
      function end() { if (!done) { done = true; resolve(); } }
      u.onend = end; u.onerror = end;
      setTimeout(end, MAX_SPEECH_MS);
      window.speechSynthesis.speak(u);
    });
  }

  function playChime() {
    return new Promise(function (resolve) {
      try {
        chime.currentTime = 0;
        var p = chime.play();
        var t = setTimeout(resolve, 1600);
        if (p && p.catch) {
          p.catch(function () { clearTimeout(t); el.sound.hidden = false; resolve(); });
        }
      } catch (e) { resolve(); }
    });
  }

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function next() {
    if (showing || !queue.length) { return; }
    showing = queue.shift();
    paint(showing, true);
    renderBoard();
    document.body.setAttribute("data-announced", String(parseInt(document.body.getAttribute("data-announced") || "0", 10) + 1));
    var started = Date.now();
    playChime().then(function () { return speak(showing.text); }).then(function () {
      return wait(Math.max(0, MIN_SHOW_MS - (Date.now() - started)));
    }).then(function () {
      showing = null;
      next();
      if (!showing) { renderBoard(); }
    });
  }

  function onCall(recall) {
    return function (t) {
      if (!t || !t.counter || !passes(t.service, t.counter.number)) { return; }
      queue.push({ code: t.code, counter: t.counter.number, service: t.service, recall: recall,
                   text: (t.announcement && t.announcement.id) || "" });
      next();
    };
  }

  el.sound.addEventListener("click", function () {
    chime.play().then(function () { el.sound.hidden = true; }, function () {});
  });

  /* ---- clock in the office's time zone */
  var timeFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { timeZone: cfg.office.timezone, hour: "2-digit", minute: "2-digit" });
  var dateFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { timeZone: cfg.office.timezone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
  function tick() {
    var d = new Date();
    el.time.textContent = timeFmt.format(d).replace(".", ":") + " " + cfg.office.zone;
    el.time.setAttribute("datetime", d.toISOString());
    el.date.textContent = dateFmt.format(d);
  }
  tick();
  setInterval(tick, 1000);

  /* ---- live connection */
  function conn(name) { el.conn.setAttribute("data-state", name); el.conn.textContent = T[name] || name; }
  if (window.io) {
    var socket = window.io({ auth: { office: cfg.office.code }, transports: ["websocket", "polling"],
                             reconnectionDelayMax: 5000 });
    socket.on("connect", function () { conn("connected"); resync(); });
    socket.on("disconnect", function () { conn("offline"); });
    socket.on("connect_error", function () { conn("offline"); });
    socket.on("queue_changed", applyBoard);
    socket.on("ticket_called", onCall(false));
    socket.on("ticket_recalled", onCall(true));
    // belt and braces: a full resync every minute, so a missed event never lingers
    setInterval(resync, 60000);
  }
  applyBoard(board);
})();
