/* Citizen portal: the phone's location for requests and complaints (no map tiles: the
 * coordinates go into the form, which works offline), similar reports nearby (htmx), and
 * the copy button of the tracking code. Every message comes from the page (translated). */
(function () {
  "use strict";

  function message(name) {
    var template = document.getElementById("location-messages");
    var span = template && template.content.querySelector('[data-msg="' + name + '"]');
    return span ? span.textContent : "";
  }

  function field(name) {
    return document.getElementById("id_case-" + name);
  }

  function loadNearby() {
    var form = document.getElementById("apply-form");
    var target = document.getElementById("nearby");
    var lat = field("latitude");
    var lon = field("longitude");
    if (!form || !target || !lat || !lon || !lat.value || !lon.value || !window.htmx) return;
    var url = form.getAttribute("data-nearby-url") +
      "?latitude=" + encodeURIComponent(lat.value) +
      "&longitude=" + encodeURIComponent(lon.value);
    window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
  }

  function wireLocation() {
    var button = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    if (!button) return;
    button.addEventListener("click", function () {
      if (!navigator.geolocation) {
        status.textContent = message("unsupported");
        return;
      }
      status.textContent = message("busy");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          field("latitude").value = position.coords.latitude.toFixed(6);
          field("longitude").value = position.coords.longitude.toFixed(6);
          status.textContent = message("done");
          loadNearby();
        },
        function () {
          status.textContent = message("denied");
          field("address_text").focus();
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
    ["latitude", "longitude"].forEach(function (name) {
      var input = field(name);
      if (input) input.addEventListener("change", loadNearby);
    });
  }

  function wireSubmitOnce() {
    var form = document.getElementById("apply-form");
    if (!form) return;
    form.addEventListener("submit", function () {
      // The idempotency key makes a second submit harmless; this only spares the wait.
      var button = document.getElementById("apply-submit");
      if (button) button.setAttribute("aria-disabled", "true");
    });
  }

  function wireCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        var status = document.querySelector("[data-copy-status]");
        if (!source) return;
        var text = source.textContent.trim();
        var done = function () {
          if (status) status.textContent = status.getAttribute("data-copied");
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else {
          var range = document.createRange();
          range.selectNodeContents(source);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          try { if (document.execCommand("copy")) done(); } catch (e) { /* nothing */ }
        }
      });
    });
  }

  function init() {
    wireLocation();
    wireSubmitOnce();
    wireCopy();
    var apply = document.getElementById("apply-errors");
    if (apply) apply.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
