/* Aduan: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // The header's menus (<details>, which open and close without this): Escape closes the
    // innermost open one and puts focus back on its button.
    document.querySelectorAll("details.nav-menu, details.account-menu").forEach(function (menu) {
      menu.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" || !menu.open) return;
        event.stopPropagation();
        menu.open = false;
        menu.querySelector("summary").focus();
      });
    });

    // Errors: move focus to the summary so screen readers read it first.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();

    // Region picker: a new province empties the district list too.
    document.querySelectorAll("select[data-clears]").forEach(function (select) {
      select.addEventListener("change", function () {
        var target = document.getElementById(select.getAttribute("data-clears"));
        if (target) {
          while (target.options.length > 1) target.remove(1);
          target.selectedIndex = 0;
        }
      });
    });

    // Enter in a one-line field does not send a long form by accident (its first submit
    // button is a hidden no-JavaScript helper); in the agency search box it searches.
    document.querySelectorAll("form[data-no-implicit-submit]").forEach(function (form) {
      form.addEventListener("keydown", function (event) {
        var field = event.target;
        if (event.key !== "Enter" || field.tagName !== "INPUT") return;
        if (field.type === "submit" || field.type === "button") return;
        event.preventDefault();
        if (field.hasAttribute("data-search") && window.htmx) window.htmx.trigger(field, "search");
      });
    });

    // Attachments: a file over the size limit or of a type the server refuses is taken
    // out of the selection before anything is sent (the server still checks everything).
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      var note = document.getElementById("files-check");
      if (!note) return;
      var maxBytes = Number(input.getAttribute("data-max-bytes"));
      var maxCount = Number(input.getAttribute("data-max-count"));
      var types = (input.getAttribute("accept") || "").split(",");
      function allowed(file) {
        var name = file.name.toLowerCase();
        return types.some(function (type) {
          type = type.trim().toLowerCase();
          return type.charAt(0) === "." ? name.slice(-type.length) === type : file.type === type;
        });
      }
      function say(messages) {
        note.textContent = messages.join(" ");
        note.hidden = messages.length === 0;
      }
      function tooMany() {
        return input.files.length > maxCount;
      }
      input.addEventListener("change", function () {
        var messages = [];
        var keep = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (file) {
          var problem = file.size > maxBytes ? "data-too-large" : !allowed(file) ? "data-wrong-type" : "";
          if (problem) messages.push(note.getAttribute(problem).replace("{name}", file.name));
          else keep.items.add(file);
        });
        if (messages.length) input.files = keep.files;
        if (tooMany()) messages.push(note.getAttribute("data-too-many").replace("{n}", maxCount));
        say(messages);
      });
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          if (!tooMany()) return;
          event.preventDefault();
          say([note.getAttribute("data-too-many").replace("{n}", maxCount)]);
          input.focus();
        });
      }
    });

    // "Use my location": fill latitude and longitude from the browser.
    document.querySelectorAll("button[data-geolocate]").forEach(function (button) {
      if (!("geolocation" in navigator)) return;
      var status = document.getElementById("geo-status");
      button.addEventListener("click", function () {
        if (status) status.textContent = button.getAttribute("data-wait") || "…";
        navigator.geolocation.getCurrentPosition(
          function (position) {
            document.getElementById(button.getAttribute("data-lat")).value =
              position.coords.latitude.toFixed(6);
            document.getElementById(button.getAttribute("data-lon")).value =
              position.coords.longitude.toFixed(6);
            if (status) status.textContent = button.getAttribute("data-done") || "";
          },
          function () {
            if (status) status.textContent = button.getAttribute("data-failed") || "";
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    });
  });
})();
