// The bank sandbox console's live updates: on every change the sandbox announces (server-sent
// events from /_sandbox/ui/events), fetch this page again and swap the part marked #live; the
// forms around it keep what is typed in them, and open <details> stay open. Pages read the same
// without this script.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch) {
    return;
  }
  var busy = false;
  var again = false;
  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(location.href, { credentials: "same-origin", redirect: "error" })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("status " + answer.status);
        }
        return answer.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (!fresh) {
          return;
        }
        var open = {};
        live.querySelectorAll("details[open][id]").forEach(function (d) {
          open[d.id] = true;
        });
        live.replaceChildren.apply(live, Array.prototype.slice.call(fresh.childNodes));
        live.querySelectorAll("details[id]").forEach(function (d) {
          if (open[d.id]) {
            d.open = true;
          }
        });
        live.dataset.version = fresh.dataset.version || "";
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }
  new EventSource("/_sandbox/ui/events").addEventListener("change", refresh);
})();
