/* Remote ticket page: refresh position, estimate and "when to leave" every 30 s. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("remote-state");
  if (!cfgEl) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var t = JSON.parse(document.getElementById("remote-i18n").textContent);

  function show(r) {
    var advice = document.getElementById("advice");
    var text = document.getElementById("advice-text");
    advice.hidden = !r.advice;
    advice.classList.toggle("advice-now", r.advice === "now");
    if (r.advice === "now") { text.replaceChildren(); var s = document.createElement("strong"); s.textContent = t.now; text.appendChild(s); }
    if (r.advice === "later") { text.replaceChildren(); var l = document.createElement("strong"); l.textContent = t.later.replace("{t}", r.leave_at); text.appendChild(l); }
    document.getElementById("remote-ahead").textContent = r.position === null ? "–" : r.position;
    document.getElementById("remote-eta").textContent = r.estimate
      ? t.range.replace("{a}", r.estimate.p10).replace("{b}", r.estimate.p90) : t.unknown;
    if (r.status !== "waiting") { window.location.href = r.status_url; }
  }

  function poll() {
    fetch(cfg.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (r) { if (r) { show(r); } })
      .catch(function () {});
  }
  setInterval(poll, 30000);
}());
