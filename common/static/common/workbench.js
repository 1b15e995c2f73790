/* Housing Credit Platform workbench: small progressive enhancements, nothing required. */
(function () {
  "use strict";

  // Language select submits itself (the <noscript> button covers the rest).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Searching by a whole resident ID number: send it by POST so it stays out of URLs and logs.
  var ID_NUMBER = /^\d{17}[\dXx]$/;
  document.querySelectorAll("form[data-code-safe]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var q = form.querySelector("input[name=q]");
      var value = q ? q.value.replace(/\s+/g, "") : "";
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (ID_NUMBER.test(value) && token) {
        form.method = "post";
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = token.name; hidden.value = token.value;
        form.appendChild(hidden);
      }
    });
  });

  // Registration form: check the code on blur with the server's own rules and wording.
  var code = document.querySelector("input[data-check-url]");
  if (code) {
    var out = document.getElementById("code-check");
    var serverError = document.getElementById("code-error");
    var last = "";
    var check = function () {
      var kind = document.querySelector("input[name=kind]:checked");
      var value = code.value.trim();
      var key = (kind ? kind.value : "") + ":" + value;
      if (!value || key === last) { return; }
      last = key;
      // POST, not GET: an ID number must not end up in a URL.
      var body = new URLSearchParams({code: value, kind: kind ? kind.value : ""});
      var token = code.form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(code.dataset.checkUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": token ? token.value : ""}
      })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (serverError) { serverError.textContent = ""; }
          out.className = "code-check " + (data.ok ? (data.warnings.length ? "warn" : "ok") : "bad");
          out.textContent = data.ok ? (data.warnings.join(" ") || "✓ " + data.code) : data.message;
          out.setAttribute("role", data.ok ? "status" : "alert");
          code.setAttribute("aria-invalid", data.ok ? "false" : "true");
        })
        .catch(function () { out.textContent = ""; last = ""; });
    };
    code.addEventListener("blur", check);
    // Individuals are always practitioners; enterprises never are: preselect accordingly.
    var category = document.getElementById("id_category");
    document.querySelectorAll("input[name=kind]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (category) {
          var individual = radio.value === "individual";
          if (individual) { category.value = "practitioner"; }
          else if (category.value === "practitioner") { category.value = category.options[0].value; }
        }
        last = ""; check();
      });
    });
  }

  // A table's "select all on this page" box ticks (or clears) its form's boxes of that name.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = function () {
      return all.form ? all.form.querySelectorAll(
        "input[type=checkbox][name='" + all.dataset.selectAll + "']") : [];
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
