// Enhancements only: every page works without this script.
(function () {
  "use strict";
  // Move focus to the error summary, or to the heading of a new questionnaire step, so a screen
  // reader or keyboard user starts where the page changed.
  var summary = document.querySelector("[data-error-summary]");
  var heading = document.getElementById("step-heading");
  if (summary) { summary.focus(); } else if (heading) { heading.focus({ preventScroll: true }); }

  // One submission per click: a second click while the first is on its way does nothing.
  // (The server also ignores duplicates; this only spares a wait.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending === "true") { event.preventDefault(); return; }
    form.dataset.sending = "true";
    window.setTimeout(function () { form.dataset.sending = "false"; }, 5000);
  });

  // "Print your answers" (review, receipt): hidden in the HTML, since only a script can open the
  // print dialogue; without this script the browser's own Print still uses the print styles.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
