// Progressive enhancements; every page works without this script.
//
// Suggestions as you type in a service search: an input marked data-suggest, with a <datalist>
// named by its `list`, gets up to six service names from GET /api/v1/services as the words are
// typed, in the page's language. Choosing one fills the input; the form is then submitted as
// without this script.
(function () {
  "use strict";
  if (!window.fetch) return;
  var lang = document.documentElement.lang || "en";
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    var asked = "";
    var controller = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      timer = setTimeout(function () {
        asked = q;
        if (controller) controller.abort();
        controller = window.AbortController ? new AbortController() : null;
        var url = "/api/v1/services?limit=6&lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(q);
        fetch(url, { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { services: [] };
          })
          .then(function (body) {
            list.textContent = "";
            (body.services || []).forEach(function (service) {
              var option = document.createElement("option");
              option.value = service.name;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();

// "Use my location" on the shops page: a button marked data-locate (hidden without this script)
// asks the browser for the position, which the person allows or not, and opens the page of the
// nearest shops (data-locate + "latitude,longitude"); a refusal is said next to the button.
(function () {
  "use strict";
  var button = document.querySelector("button[data-locate]");
  if (!button || !navigator.geolocation) return;
  var message = document.querySelector("[data-locate-message]");
  button.hidden = false;
  button.addEventListener("click", function () {
    if (message) message.textContent = "";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var at = position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
        window.location.assign(button.getAttribute("data-locate") + encodeURIComponent(at));
      },
      function () {
        if (message) message.textContent = button.getAttribute("data-locate-error");
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
