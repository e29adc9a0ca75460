// Live queue screens: the display board, the ticket page, the queue page and the counter page
// follow the shop's event stream (Server-Sent Events). Each page works without this script; with
// it, the board adds each call as it happens (with a chime and a spoken call once sound is
// turned on), and the other pages refresh their live region when anything changes at the shop.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource) return;
  var source = new EventSource(root.getAttribute("data-live"));
  var board = root.hasAttribute("data-board");

  if (board) {
    var list = document.getElementById("display-calls");
    var soundButton = document.getElementById("display-sound");
    var audio = null;
    var sound = false;
    if (soundButton) {
      soundButton.hidden = false;
      soundButton.addEventListener("click", function () {
        sound = !sound;
        soundButton.setAttribute("aria-pressed", sound ? "true" : "false");
        if (sound && !audio && (window.AudioContext || window.webkitAudioContext)) {
          audio = new (window.AudioContext || window.webkitAudioContext)();
        }
      });
      soundButton.setAttribute("aria-pressed", "false");
    }
    var chime = function () {
      if (!audio) return;
      [660, 880].forEach(function (frequency, i) {
        var oscillator = audio.createOscillator();
        var gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, audio.currentTime + i * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + i * 0.35 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + i * 0.35 + 0.6);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + i * 0.35);
        oscillator.stop(audio.currentTime + i * 0.35 + 0.65);
      });
    };
    var speak = function (number, counter) {
      if (!window.speechSynthesis) return;
      var text = (root.getAttribute("data-say") || "{number} {counter}")
        .replace("{number}", number.split("").join(" "))
        .replace("{counter}", counter);
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = root.getAttribute("data-speech-lang") || document.documentElement.lang;
      window.speechSynthesis.speak(utterance);
    };
    var onCall = function (event) {
      var call = JSON.parse(event.data);
      if (!call.number) return;
      var none = root.querySelector("p[data-none]");
      if (none) none.remove();
      Array.prototype.forEach.call(list.querySelectorAll(".guichet-display__latest"), function (item) {
        item.classList.remove("guichet-display__latest");
      });
      var item = document.createElement("li");
      item.className = "guichet-display__latest";
      var number = document.createElement("span");
      number.className = "guichet-display__number";
      number.textContent = call.number;
      var arrow = document.createElement("span");
      arrow.className = "guichet-display__arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "→";
      var counter = document.createElement("span");
      counter.className = "guichet-display__counter";
      counter.textContent = call.counter || "";
      item.appendChild(number);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(arrow);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(counter);
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 8) list.removeChild(list.lastChild);
      if (sound) {
        chime();
        window.setTimeout(function () { speak(call.number, call.counter || ""); }, 800);
      }
    };
    source.addEventListener("called", onCall);
    source.addEventListener("recalled", onCall);
    source.addEventListener("queue", function (event) {
      var summary = JSON.parse(event.data);
      var waiting = {};
      (summary.lines || []).forEach(function (line) {
        waiting[line.prefix] = (waiting[line.prefix] || 0) + line.waiting;
      });
      Object.keys(waiting).forEach(function (prefix) {
        var cell = root.querySelector('[data-prefix="' + prefix + '"] .guichet-waiting');
        if (cell) cell.textContent = String(waiting[prefix]);
      });
    });
    return;
  }

  // Other pages: refresh the live region when the shop's queue changes (at most every 300 ms).
  var live = document.getElementById("ticket-live");
  if (!live) return;
  var address = root.getAttribute("data-refresh") || window.location.pathname + window.location.search;
  var pending = null;
  var refresh = function () {
    pending = null;
    fetch(address, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ticket-live");
        if (!fresh || fresh.innerHTML === live.innerHTML) return;
        var wasCalled = !!live.querySelector(".guichet-ticket__called");
        live.innerHTML = fresh.innerHTML;
        if (!wasCalled && live.querySelector(".guichet-ticket__called") && navigator.vibrate) {
          navigator.vibrate([300, 150, 300]);
        }
      })
      .catch(function () {});
  };
  var schedule = function () {
    if (!pending) pending = window.setTimeout(refresh, 300);
  };
  ["issued", "called", "recalled", "served", "absent", "transferred", "parked", "cancelled",
   "counter_opened", "counter_closed", "counter_paused"].forEach(function (kind) {
    source.addEventListener(kind, schedule);
  });
})();
