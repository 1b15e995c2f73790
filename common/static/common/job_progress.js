/* Progress of a background job: polls the run's JSON status URL and moves the <progress> bar.
   A static file (the CSP allows no inline script); the job itself runs in the worker, so
   closing the page stops only the polling. */
(function () {
  "use strict";
  document.querySelectorAll("[data-job-status-url]").forEach(function (box) {
    var url = box.getAttribute("data-job-status-url");
    var bar = box.querySelector("progress");
    var state = box.querySelector("[data-job-state]");
    var percent = box.querySelector("[data-job-percent]");
    var error = box.querySelector("[data-job-error]");
    var delay = 1000;

    function show(data) {
      bar.value = data.progress;
      bar.textContent = data.progress + "%";
      percent.textContent = data.progress;
      state.textContent = data.status_label;
      state.setAttribute("data-job-state", data.status);
      box.setAttribute("data-job-finished", data.finished ? "1" : "0");
      if (data.error) { error.textContent = data.error; error.hidden = false; }
      // A page that lists what the job makes (the reports page) shows it once the job is done.
      if (data.finished && data.status === "succeeded" && box.closest("[data-job-reload]")) {
        window.setTimeout(function () { window.location.reload(); }, 500);
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { window.setTimeout(poll, 5000); return; }
          show(data);
          if (!data.finished) { window.setTimeout(poll, delay); delay = Math.min(delay * 1.2, 5000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    if (state.getAttribute("data-job-state") !== "succeeded" &&
        state.getAttribute("data-job-state") !== "failed") { poll(); }
  });
})();
