// The send page of an appeal: its counts and progress bar follow the sending, and the page
// reloads once when the appeal's status changes (to show the buttons that fit).
(function () {
  "use strict";
  var box = document.getElementById("appeal-progress");
  if (!box) return;
  var shown = box.getAttribute("data-status");
  if (shown === "sent" || shown === "cancelled") return;
  var bar = document.getElementById("appeal-bar");
  var percent = document.getElementById("appeal-percent");
  var number = new Intl.NumberFormat("en-US");

  function show(state) {
    if (state.status !== shown) {
      window.location.reload();
      return false;
    }
    if (!bar) return true;  // scheduled: waiting for it to start
    bar.value = state.percent;
    bar.textContent = state.percent + " %";
    percent.textContent = state.percent + " %";
    box.querySelectorAll("[data-count]").forEach(function (cell) {
      var value = state[cell.getAttribute("data-count")];
      if (typeof value === "number") cell.textContent = number.format(value);
    });
    return true;
  }

  function poll() {
    fetch(box.getAttribute("data-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state === null || show(state)) window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
