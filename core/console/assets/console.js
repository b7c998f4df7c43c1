// Live updates: every element marked data-live (with an id) is refreshed
// from the same page every few seconds while the tab is visible, so a
// list takes in new events and an event's status changes in place. The
// page itself is the one source of its markup; no framework needed. A
// page that answers a POST (an app's test message) names the page to
// refresh from in <meta name="crmhub-live-from">.
"use strict";
(function () {
  var every = 2000;
  if (!document.querySelector("[data-live][id]")) {
    return;
  }
  var from = document.querySelector('meta[name="crmhub-live-from"]');
  var source = from ? from.content : location.href;
  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(source, { credentials: "same-origin", cache: "no-store" })
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
