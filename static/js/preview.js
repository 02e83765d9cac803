// The campaign form's live preview: while the coordinator types, the form (without its
// file) is sent to the console, which answers with the public page's text as it would be.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  var target = document.getElementById("campaign-preview");
  if (!form || !target || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  var sent = 0;
  function refresh() {
    var data = new FormData(form);
    data.delete("share_image");
    var mine = ++sent;
    fetch(form.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && mine === sent) {
          target.innerHTML = html;
        }
      })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  });
  refresh();
})();
