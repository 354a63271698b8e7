/* Counter tablet: waits for the ticket just finished at its counter, shows its survey, thanks the citizen
   and goes back to waiting. Asks the server every few seconds (a tiny JSON); without JavaScript the waiting
   screen reloads itself every 10 s and the forms post normally. */
(function () {
  "use strict";
  var root = document.getElementById("tablet");
  if (!root) { return; }
  var stateUrl = root.getAttribute("data-state-url");
  var shown = root.getAttribute("data-ticket") || "";
  var EVERY = 4000;
  var touched = false;  // a citizen who has started answering keeps the form, even if the next ticket finishes

  function poll() {
    Adminduk.getJSON(stateUrl).then(function (r) {
      var id = r.ok && r.data && r.data.ticket ? String(r.data.ticket.id) : "";
      if (r.status === 401 || r.status === 403) { window.location.reload(); return; }
      if (id !== shown && !touched) { window.location.replace(window.location.pathname); return; }
      window.setTimeout(poll, EVERY);
    }, function () { window.setTimeout(poll, EVERY * 2); });
  }

  var form = document.getElementById("tablet-form");
  if (form) { form.addEventListener("change", function () { touched = true; }); }
  if (form && window.AdmindukFeedback) {
    AdmindukFeedback.wireSurvey(form, "tb", function () {
      window.location.replace(window.location.pathname + "?terima_kasih=1");
    });
  }
  if (!form) {
    var thanks = document.getElementById("tablet-thanks");
    if (thanks && !thanks.hidden) {
      window.setTimeout(function () { thanks.hidden = true; }, 8000);
    }
  }
  window.setTimeout(poll, EVERY);
})();
