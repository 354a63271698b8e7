/* Waiting-room display: calls are queued and shown/announced one at a time; resyncs after reconnects.

   Announcements are joined in the browser from recorded clips (Web Audio API): the chime, then one clip per part
   of the sentence ("nomor-antrean", "huruf-b", "nol", "empat", "puluh", "satu", "silakan-menuju-loket", "tiga"),
   sent with each call by the server. The clips are the office's own recordings where it uploaded them, else the
   shipped espeak-ng clips; all are fetched and decoded once when the page loads. A browser id-ID speech voice is
   used instead only where the browser has one and the office prefers it (Debian's Chromium has none). */
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
  var showing = null;   // the call being announced
  var current = null;   // the call in the big panel (announced, or restored from the board after a reload)
  var MIN_SHOW_MS = 4500, MAX_SPEECH_MS = 12000;
  var RECENT_ROWS = 5, PAGE_SIZE = 20, PAGE_MS = 8000;

  var el = {
    now: document.getElementById("now"),
    code: document.getElementById("now-code"),
    counter: document.getElementById("now-counter"),
    service: document.getElementById("now-service"),
    recent: document.getElementById("recent-rows"),
    waiting: document.getElementById("waiting-list"),
    page: document.getElementById("waiting-page"),
    time: document.getElementById("clock-time"),
    date: document.getElementById("clock-date"),
    conn: document.getElementById("conn"),
    sound: document.getElementById("sound-button")
  };

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
    var away = (board.counters || []).filter(function (c) {
      return c["break"] && (!filter.counters.length || filter.counters.indexOf(c.number) >= 0);
    });
    var text = away.map(function (c) { return T.counter + " " + c.number + " " + T.on_break + " " + c["break"].local; }).join(" · ");
    if (line.textContent !== text) { line.textContent = text; }
  }

  /* ---- waiting tiles: 1 row up to 6 services, then 2, 3 and 4 rows (20 services); beyond 20, pages */
  var page = 0, pageTimer = null;

  function gridFor(n) {
    var rows = n <= 6 ? 1 : n <= 10 ? 2 : n <= 15 ? 3 : 4;
    return { rows: rows, cols: Math.max(1, Math.ceil(n / rows)) };
  }

  function renderWaiting() {
    var items = (board.services || []).filter(function (s) {
      return s.active && (!filter.services.length || filter.services.indexOf(s.code) >= 0);
    });
    var pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
    if (page >= pages) { page = 0; }
    var shown = items.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    var g = gridFor(pages > 1 ? PAGE_SIZE : items.length);
    el.waiting.setAttribute("data-rows", String(g.rows));
    el.waiting.setAttribute("data-cols", String(g.cols));
    var frag = document.createDocumentFragment();
    shown.forEach(function (s) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.className = "w-name";
      var prefix = document.createElement("span"); prefix.className = "w-prefix"; prefix.textContent = s.prefix;
      name.appendChild(prefix);
      name.appendChild(document.createTextNode(s.name[lang] || s.name.id));
      name.title = s.name[lang] || s.name.id;
      var n = document.createElement("span"); n.className = "w-count"; n.textContent = String(s.waiting);
      n.setAttribute("aria-label", s.waiting + " " + T.waiting);
      li.appendChild(name); li.appendChild(n); frag.appendChild(li);
    });
    el.waiting.replaceChildren(frag);
    if (pages > 1) {
      el.page.textContent = (T.page || "{page}/{pages}").replace("{page}", String(page + 1)).replace("{pages}", String(pages));
      el.page.hidden = false;
      if (!pageTimer) {
        pageTimer = setInterval(function () { page += 1; renderWaiting(); }, PAGE_MS);
      }
    } else {
      el.page.hidden = true;
      if (pageTimer) { clearInterval(pageTimer); pageTimer = null; }
    }
  }

  /* ---- the last calls: never the one in the big panel */
  function renderRecent() {
    var recent = (board.recent_calls || []).filter(function (c) { return passes(c.service, c.counter); });
    if (current) {
      recent = recent.filter(function (c) { return c.code !== current.code; });
    }
    var rows = document.createDocumentFragment();
    recent.slice(0, RECENT_ROWS).forEach(function (c) {
      var tr = document.createElement("tr");
      var a = document.createElement("td"); a.textContent = c.code;
      var b = document.createElement("td"); b.textContent = T.counter + " " + c.counter;
      tr.appendChild(a); tr.appendChild(b); rows.appendChild(tr);
    });
    el.recent.replaceChildren(rows);
  }

  function renderBoard() { renderBreaks(); renderWaiting(); renderRecent(); }

  function applyBoard(b) {
    if (!b || b.office !== cfg.office.code) { return; }
    board = b;
    if (!showing && !queue.length) {  // show the latest call after a (re)load or a reconnect
      var last = (board.recent_calls || []).filter(function (c) { return passes(c.service, c.counter); })[0];
      if (last && (!current || current.code !== last.code || current.counter !== last.counter)
          && !(current && current.called_at && last.called_at && last.called_at < current.called_at)) {
        paint({ code: last.code, counter: last.counter, service: last.service, text: "",
                called_at: last.called_at }, false);
      }
    }
    renderBoard();
  }

  /* A read and a push can cross: a read made before a change may answer after that change's push (a display
     that connects while a clerk ends a break kept "Loket 3 istirahat" on screen). A push that arrives while a
     read is on its way wins; every change is followed by a push built after it, so the screen converges. */
  var pushes = 0;
  function onPush(b) { pushes += 1; applyBoard(b); }

  function resync() {
    var seen = pushes;
    return Adminduk.getJSON(cfg.queue_url).then(function (r) {
      if (r.ok && r.data && pushes === seen) { applyBoard(r.data); }
    }, function () {});
  }

  function paint(call, flash) {
    current = call;
    el.code.textContent = call.code;
    el.code.setAttribute("data-len", call.code.length <= 5 ? "5" : call.code.length <= 8 ? String(call.code.length) : "long");
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

  /* ---- the voice: recorded clips joined with the Web Audio API */
  var Voice = (function () {
    var v = cfg.voice || { clips: {}, shipped: {}, prefer_browser_voice: false };
    var AC = window.AudioContext || window.webkitAudioContext;
    var CHIME = "chime", TO_COUNTER = "silakan-menuju-loket";
    var GAP = 0.05, PAUSE = 0.3, AFTER_CHIME = 0.3;  // seconds between words, at the comma, after the chime
    var ctx = null, buffers = {};

    function context() {
      if (!ctx && AC) {
        try { ctx = new AC(); } catch (e) { ctx = null; }
      }
      return ctx;
    }

    function running() { return !!ctx && ctx.state === "running"; }

    function fetchDecode(url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status + " " + url); }
        return r.arrayBuffer();
      }).then(function (data) { return context().decodeAudioData(data); });
    }

    /* one clip, decoded once: the office's recording, else (it is missing or cannot be played) the shipped one */
    function load(part) {
      if (!buffers[part]) {
        var url = v.clips[part], shipped = v.shipped && v.shipped[part];
        buffers[part] = (url ? fetchDecode(url) : Promise.reject(new Error("no clip " + part)))
          .catch(function () { return shipped ? fetchDecode(shipped) : null; })
          .catch(function () { return null; })
          .then(function (buf) {
            if (!buf) { delete buffers[part]; }  // try again at the next call (the server may be back)
            return buf;
          });
      }
      return buffers[part];
    }

    function preload() {
      if (!context()) { return; }
      Object.keys(v.clips || {}).forEach(load);
    }

    /* resolves true when sound may play; otherwise the "Aktifkan suara" button is shown */
    function unlock() {
      var c = context();
      if (!c) { return Promise.resolve(false); }
      if (c.state === "running") { return Promise.resolve(true); }
      var resumed = c.resume ? c.resume().then(running, function () { return false; }) : Promise.resolve(false);
      return Promise.race([resumed, wait(500).then(running)]).then(function (ok) {
        el.sound.hidden = ok;
        return ok;
      });
    }

    function gapAfter(parts, i) {
      if (parts[i] === CHIME) { return AFTER_CHIME; }
      return parts[i + 1] === TO_COUNTER ? PAUSE : GAP;
    }

    /* plays the clips back to back; resolves when the last one has ended */
    function play(parts) {
      return unlock().then(function (ok) {
        if (!ok) { return null; }
        return Promise.all(parts.map(load));
      }).then(function (bufs) {
        if (!bufs) { return; }
        var c = context(), t = c.currentTime + 0.05, last = null;
        bufs.forEach(function (buf, i) {
          if (!buf) { return; }  // a clip that cannot be had: the word is skipped, the rest is said
          var src = c.createBufferSource();
          src.buffer = buf;
          src.connect(c.destination);
          src.start(t);
          t += buf.duration + gapAfter(parts, i);
          last = src;
        });
        var ms = Math.max(0, (t - c.currentTime) * 1000);
        return new Promise(function (resolve) {
          var done = false;
          function end() { if (!done) { done = true; resolve(); } }
          if (!last) { end(); return; }
          last.onended = end;
          setTimeout(end, ms + 1500);  // a stalled audio device never stalls the queue of calls
        });
      });
    }

    function browserVoice() {
      if (!v.prefer_browser_voice || !("speechSynthesis" in window)) { return null; }
      var voices = window.speechSynthesis.getVoices() || [];
      return voices.filter(function (x) { return /^id([-_]|$)/i.test(x.lang); })[0] || null;
    }

    function speak(text, voice) {
      return new Promise(function (resolve) {
        var u = new SpeechSynthesisUtterance(text);
        u.voice = voice; u.lang = voice.lang; u.rate = 0.9;
        var done = false;
        function end() { if (!done) { done = true; resolve(); } }
        u.onend = end; u.onerror = end;
        setTimeout(end, MAX_SPEECH_MS);
        window.speechSynthesis.speak(u);
      });
    }

    /* the chime, then the sentence: the browser's id-ID voice if preferred and present, else the clips */
    function announce(call) {
      var voice = call.text ? browserVoice() : null;
      if (voice) {
        return play([CHIME]).then(function () { return speak(call.text, voice); })
          .catch(function () { return play(call.parts || []); });  // the voice failed: the clips say it
      }
      return play([CHIME].concat(call.parts || []));
    }

    if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }  // voices load asynchronously
    preload();
    unlock();
    el.sound.addEventListener("click", function () {
      var c = context();
      if (!c) { return; }
      c.resume().then(function () {
        el.sound.hidden = running();
        if (running()) { play([CHIME]); }
      }, function () {});
    });

    return { announce: announce };
  })();

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* ---- calls: one at a time, each announced in full */
  function next() {
    if (showing || !queue.length) { return; }
    showing = queue.shift();
    paint(showing, true);
    renderBoard();
    document.body.setAttribute("data-announced", String(parseInt(document.body.getAttribute("data-announced") || "0", 10) + 1));
    var started = Date.now();
    Voice.announce(showing).catch(function () {}).then(function () {
      return wait(Math.max(0, MIN_SHOW_MS - (Date.now() - started)));
    }).then(function () {
      showing = null;
      next();
      /* a call learnt from a resync while this one was being said (a reconnect) is shown now */
      if (!showing) { applyBoard(board); }
    });
  }

  function onCall(recall) {
    return function (t) {
      if (!t || !t.counter || !passes(t.service, t.counter.number)) { return; }
      queue.push({ code: t.code, counter: t.counter.number, service: t.service, recall: recall, called_at: t.called_at,
                   text: (t.announcement && t.announcement.id) || "", parts: t.announcement_parts || [] });
      next();
    };
  }

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
    socket.on("queue_changed", onPush);
    socket.on("ticket_called", onCall(false));
    socket.on("ticket_recalled", onCall(true));
    // belt and braces: a full resync every minute, so a missed event never lingers
    setInterval(resync, 60000);
  }
  applyBoard(board);
})();
