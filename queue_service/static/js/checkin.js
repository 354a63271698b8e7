/* Kiosk booking check-in: a scanner that types (or a person) fills #scan and presses Enter; the camera
   button decodes QR codes from the kiosk camera with the vendored jsQR. Both POST what was read. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("checkin-config").textContent);
  var t = JSON.parse(document.getElementById("checkin-i18n").textContent);
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan");
  var result = document.getElementById("result");
  var busy = false, resetTimer = null, stream = null, scanning = false;

  function line(text, cls) {
    var p = document.createElement("p");
    p.textContent = text;
    if (cls) { p.className = cls; }
    result.appendChild(p);
    return p;
  }

  function show(res) {
    result.replaceChildren();
    var d = res.data || {};
    if (res.ok && d.ticket) {
      line(t[d.outcome] || t.checked_in, "result-ok");
      var code = line(d.ticket.code, "ticket-code");
      code.id = "checkin-ticket";
      if (d.ticket.position !== null && d.ticket.position !== undefined) { line(t.people_ahead.replace("{n}", d.ticket.position)); }
      line(d.print_job && d.print_job.id ? t.printing : t.photo);  /* no printer, or it failed: the screen is the ticket */
    } else if (res.ok && d.outcome === "early") {
      line(t.early.replace("{t}", d.come_back_at), "result-bad");
    } else if (res.ok && d.outcome === "wrong_day") {
      line(t.wrong_day.replace("{d}", d.day_text), "result-bad");
    } else if (res.ok && d.outcome === "rebook") {
      line(t.rebook, "result-bad");
    } else if (res.status === 404) {
      line(t.not_found, "result-bad");
    } else if (res.status === 400) {
      line(t.invalid, "result-bad");
    } else if (res.status === 409 && d.error === "quota_reached") {
      line(t.quota, "result-bad");
    } else if (res.status === 409) {
      line(t.used, "result-bad");
    } else {
      line(t.error, "result-bad");
    }
    clearTimeout(resetTimer);
    resetTimer = setTimeout(reset, (cfg.resetSeconds || 15) * 1000);
  }

  function reset() {
    result.replaceChildren();
    input.value = "";
    input.focus();
  }

  function submit(text) {
    text = (text || "").trim();
    if (!text || busy) { return; }
    busy = true;
    Adminduk.postJSON(cfg.checkinUrl, { code: text }).then(function (res) {
      busy = false;
      input.value = "";
      show(res);
      input.focus();
    }, function () {
      busy = false;
      show({ ok: false, status: 0, data: null });
    });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(input.value); });
  /* keep the focus in the field: a scanner types wherever the focus is */
  document.addEventListener("click", function (ev) {
    if (ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") { input.focus(); }
  });

  /* camera */
  var video = document.getElementById("camera-video");
  var canvas = document.getElementById("camera-canvas");
  var status = document.getElementById("camera-status");

  function stopCamera() {
    scanning = false;
    if (stream) { stream.getTracks().forEach(function (tr) { tr.stop(); }); stream = null; }
    document.getElementById("camera").hidden = true;
  }

  function tick() {
    if (!scanning) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR && window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        stopCamera();
        submit(found.data);
        return;
      }
    }
    setTimeout(tick, 200);
  }

  document.getElementById("camera-button").addEventListener("click", function () {
    if (scanning) { stopCamera(); input.focus(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { status.textContent = t.camera_off; document.getElementById("camera").hidden = false; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      document.getElementById("camera").hidden = false;
      status.textContent = t.camera_on;
      return video.play();
    }).then(function () { scanning = true; tick(); }, function () {
      document.getElementById("camera").hidden = false;
      status.textContent = t.camera_off;
    });
  });
}());
