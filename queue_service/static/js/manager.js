/* Manager dashboard: live stock alerts over Socket.IO (managers room of this office). */
(function () {
  "use strict";
  var el = document.getElementById("manager-data");
  if (!el || typeof io === "undefined") { return; }
  var data = JSON.parse(el.textContent);
  var notice = document.getElementById("live-notice");
  var text = notice ? notice.querySelector(".live-text") : null;
  var socket = io({ auth: { office: data.office }, transports: ["websocket", "polling"] });
  function show(kind, payload) {
    if (!notice || !text) { return; }
    var msg = data.messages[kind] || "";
    if (payload && payload.message) { msg += " " + payload.message; }
    text.textContent = msg;
    notice.hidden = false;
  }
  socket.on("stock_alert", function (p) { show("stock_alert", p); });
  socket.on("stock_changed", function (p) { show("stock_changed", null); });
})();
