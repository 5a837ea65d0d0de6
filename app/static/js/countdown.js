// Shows the time left on the server's clock; it never decides anything itself. The page tells it
// how many seconds were left when the server rendered it, so a wrong phone clock does not matter.
(function () {
  "use strict";
  var timer = null;
  function format(seconds) {
    var s = Math.max(0, seconds);
    return "剩余 " + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function start() {
    var clock = document.querySelector(".countdown[data-seconds-left]");
    if (timer) { clearInterval(timer); timer = null; }
    if (!clock) { return; }
    var endsAt = Date.now() + Number(clock.dataset.secondsLeft) * 1000;
    function tick() {
      var left = Math.round((endsAt - Date.now()) / 1000);
      clock.textContent = format(left);
      clock.classList.toggle("urgent", left <= 60);
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        var form = document.querySelector(".submit-form");
        if (form) { form.removeAttribute("hx-confirm"); form.requestSubmit(); }
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
