/* The citizen's booking page: refreshes its state every 20 s (check-in at the kiosk, release, a call),
   without reloading the page. Works with nothing but this file (CSP: script-src 'self'). */
(function () {
  "use strict";
  var stateEl = document.getElementById("booking-state");
  if (!stateEl) { return; }
  var state = JSON.parse(stateEl.textContent);
  var texts = JSON.parse(document.getElementById("booking-i18n").textContent);
  var article = document.getElementById("booking");

  function show(b) {
    article.setAttribute("data-status", b.status);
    document.getElementById("booking-status").textContent = texts[b.status] || b.status;
    document.getElementById("checkin-row").hidden = b.status !== "booked";
    var box = document.getElementById("ticket-box");
    if (b.ticket) {
      box.hidden = false;
      document.getElementById("ticket-code").textContent = b.ticket.code;
      document.getElementById("ticket-link").setAttribute("href", b.ticket.url);
    }
  }

  function poll() {
    fetch(state.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (b) { if (b) { show(b); } })
      .catch(function () { /* offline: try again later */ });
  }

  setInterval(poll, 20000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
}());
