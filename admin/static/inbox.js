/* Orienta admin: the header's inbox counts, refreshed every 30 s from /admin/inbox/counts
   without reloading the page. Pages work without it (the counts are in the HTML). It
   stops once the server refuses (signed out: the session went idle, since polling does
   not keep it alive), and waits while the tab is hidden. */
(function () {
  "use strict";
  var link = document.querySelector("[data-inbox-counts]");
  if (!link || !window.fetch) {
    return;
  }
  var url = link.getAttribute("data-inbox-counts");
  var EVERY = 30000;
  var timer = null;

  function show(name, value) {
    var shown = link.querySelector('[data-count="' + name + '"]');
    if (shown && typeof value === "number") {
      shown.textContent = String(value);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    window
      .fetch(url, {
        credentials: "same-origin",
        redirect: "manual",
        cache: "no-store",
        headers: { Accept: "application/json" }
      })
      .then(function (response) {
        if (!response.ok) {
          stop(); // a redirect to the sign-in page, or a refusal: not ours to retry
          return null;
        }
        return response.json();
      })
      .then(function (counts) {
        if (counts) {
          show("urgent", counts.urgent);
          show("other", counts.other);
          link.classList.toggle("urgent", counts.urgent > 0);
        }
      })
      .catch(function () {
        // The network or the server away for a moment: the next round tries again.
      });
  }

  timer = window.setInterval(refresh, EVERY);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer !== null) {
      refresh();
    }
  });
})();
