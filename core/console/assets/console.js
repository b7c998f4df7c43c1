// Live updates: every element marked data-live (with an id) is refreshed
// from the same page every few seconds while the tab is visible, so a
// list takes in new events and an event's status changes in place. The
// page itself is the one source of its markup; no framework needed.
"use strict";
(function () {
  var every = 2000;
  if (!document.querySelector("[data-live][id]")) {
    return;
  }
  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        if (!res.ok || res.redirected) {
          throw new Error("not refreshed: " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (el) {
          var now = fresh.getElementById(el.id);
          if (now && now.innerHTML !== el.innerHTML) {
            el.innerHTML = now.innerHTML;
          }
        });
      })
      .catch(function () {
        // Signed out or the hub restarting: try again next time.
      });
  }
  setInterval(refresh, every);
})();
