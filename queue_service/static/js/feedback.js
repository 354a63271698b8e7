/* Feedback on the citizen's status page and the counter tablet (no inline scripts; CSP script-src 'self').
   - reveals the survey when the ticket becomes done (status.js keeps #ticket[data-status] live);
   - sends the survey without a page reload and shows the thanks, or names the unanswered questions;
   - warns, while typing, when a complaint looks like it contains a NIK / KK number (the server masks it);
   - shows an answer to a complaint as soon as the office sends it (event relayed by status.js). */
(function () {
  "use strict";
  var T = (window.Adminduk && Adminduk.messages()) || {};
  var NIK = /(^|[^0-9])(?:[0-9][ .\-]?){15}[0-9](?![0-9])/;

  function $(id) { return document.getElementById(id); }

  /* --- reveal the survey once served --- */
  var survey = $("survey");
  var ticket = $("ticket");
  function revealIfDone() {
    if (!survey || !ticket) { return; }
    var st = survey.getAttribute("data-state");  // open, answered, not_yet, not_served, expired
    if (ticket.getAttribute("data-status") === "done" && (st === "not_yet" || st === "open")) {
      if (survey.hidden) {
        survey.hidden = false;
        var h = $("survey-title");
        if (h) { h.setAttribute("tabindex", "-1"); }
      }
    }
  }
  if (survey && ticket && window.MutationObserver) {
    new MutationObserver(revealIfDone).observe(ticket, { attributes: true, attributeFilter: ["data-status"] });
    revealIfDone();
  }

  /* --- send the survey with fetch --- */
  function formValues(form) {
    var data = {}, profile = {}, ticketId = null;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.name === "ticket_id") { ticketId = parseInt(el.value, 10); return; }
      if (/^U[1-9]$/.test(el.name)) { data[el.name] = el.value; } else { profile[el.name] = el.value; }
    });
    var out = { scores: data, profile: profile };
    if (ticketId !== null) { out.ticket_id = ticketId; }
    return out;
  }

  function clearErrors(form) {
    form.querySelectorAll(".js-error").forEach(function (p) { p.remove(); });
    form.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); f.removeAttribute("aria-describedby"); });
  }

  function showErrors(form, errors, prefix) {
    var first = null;
    Object.keys(errors).forEach(function (field) {
      var fs = $(prefix + "-" + field);
      if (!fs) { return; }
      fs.classList.add("has-error");
      var p = document.createElement("p");
      p.className = "field-error js-error";
      p.id = prefix + "-" + field + "-error";
      p.textContent = errors[field];
      var legend = fs.querySelector("legend");
      if (legend && legend.nextSibling) { fs.insertBefore(p, legend.nextSibling); } else { fs.appendChild(p); }
      fs.setAttribute("aria-describedby", p.id);
      if (!first) { first = fs; }
    });
    if (first) {
      var input = first.querySelector("input");
      if (input) { input.focus(); }
    }
  }

  function wireSurvey(form, prefix, done) {
    if (!form) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      clearErrors(form);
      var summary = form.querySelector(".form-summary");
      Adminduk.postJSON(form.getAttribute("action"), formValues(form)).then(function (r) {
        if (button) { button.disabled = false; }
        if (r.ok || r.status === 409) {
          done(r);
          return;
        }
        if (summary) { summary.hidden = false; summary.textContent = (r.data && r.data.message) || T.survey_error || ""; }
        if (r.data && r.data.errors) { showErrors(form, r.data.errors, prefix); }
      }, function () {
        if (button) { button.disabled = false; }
        if (summary) { summary.hidden = false; summary.textContent = T.offline || ""; }
      });
    });
  }

  wireSurvey($("survey-form"), "sv", function () {
    var form = $("survey-form");
    if (form) { form.remove(); }
    var thanks = $("survey-thanks");
    if (thanks) { thanks.hidden = false; thanks.setAttribute("tabindex", "-1"); thanks.focus(); }
    if (survey) { survey.setAttribute("data-state", "answered"); }
  });

  /* --- NIK warning while typing --- */
  var text = $("cf-text"), warn = $("cf-nik-warning");
  if (text && warn) {
    var check = function () { warn.hidden = !NIK.test(text.value); };
    text.addEventListener("input", check);
    check();
  }

  /* --- a complaint answered while the page is open --- */
  document.addEventListener("adminduk:ticket-event", function (ev) {
    var d = ev.detail || {};
    if (d.name !== "complaint_answered" || !d.payload) { return; }
    var article = document.getElementById("complaint-" + d.payload.reference);
    if (!article) { return; }
    var box = article.parentNode.querySelector(".complaint-answer[data-ref='" + d.payload.reference + "']");
    if (!box) {
      box = document.createElement("div");
      box.className = "complaint-answer";
      box.setAttribute("data-ref", d.payload.reference);
      box.setAttribute("role", "status");
      var pending = article.parentNode.querySelector(".complaint-pending");
      if (pending) { pending.remove(); }
      article.parentNode.appendChild(box);
    }
    box.replaceChildren();
    var title = document.createElement("p");
    title.className = "answer-title";
    var root = $("feedback");
    title.textContent = T.office_answer || (root && root.getAttribute("data-office-answer")) || "";
    var body = document.createElement("p");
    body.textContent = d.payload.answer;
    box.appendChild(title);
    box.appendChild(body);
  });

  window.AdmindukFeedback = { wireSurvey: wireSurvey, formValues: formValues };
})();
