// The screen pop: every page of an agent with an extension listens for that agent's calls
// (Server-Sent Events; the browser reconnects by itself and resends the last event id).
(function () {
  "use strict";
  const root = document.getElementById("cti");
  if (!root || !window.EventSource) return;
  const box = document.getElementById("cti-dialog");
  const status = document.getElementById("cti-status");
  let openCall = null;

  function setStatus(text, state) {
    status.textContent = text;
    status.dataset.state = state;
  }

  function show(message) {
    openCall = message.call;
    const url = root.dataset.dialogUrl.replace("/0/", "/" + message.call + "/");
    htmx.ajax("GET", url, { target: box, swap: "innerHTML" }).then(function () {
      root.hidden = false;
      root.dataset.call = message.call;
    });
  }

  const source = new EventSource(root.dataset.streamUrl);
  source.addEventListener("open", function () { setStatus(root.dataset.connected, "connected"); });
  source.addEventListener("error", function () { setStatus(root.dataset.reconnecting, "reconnecting"); });
  source.addEventListener("call", function (event) {
    const message = JSON.parse(event.data);
    // a new call replaces the dialog; events of another, older call do not hide the current one
    if (message.event === "ringing" || openCall === null || message.call === openCall) show(message);
  });
  root.addEventListener("click", function (event) {
    if (event.target.closest("[data-cti-close]")) { root.hidden = true; openCall = null; }
  });
})();
