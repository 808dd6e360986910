// Uploads with a progress bar per file. Without JavaScript the form posts as it is.
(function () {
  "use strict";
  document.querySelectorAll("form.pk-upload").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files.length || !window.FormData || !window.XMLHttpRequest) return;
      ev.preventDefault();
      var list = form.querySelector(".pk-progress-list");
      list.hidden = false;
      list.textContent = "";
      var anlageart = form.querySelector("[name=anlageart]").value;
      var files = Array.prototype.slice.call(input.files);
      var pending = files.length;
      files.forEach(function (file) {
        var li = document.createElement("li");
        var label = document.createElement("span");
        label.textContent = file.name + " ";
        var bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        var status = document.createElement("span");
        status.className = "pk-progress-status";
        li.appendChild(label);
        li.appendChild(bar);
        li.appendChild(status);
        list.appendChild(li);
        var data = new FormData();
        if (anlageart) data.append("anlageart", anlageart);
        data.append("datei", file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.dataset.api);
        xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
        });
        xhr.addEventListener("load", function () {
          var text = "gespeichert";
          try {
            var body = JSON.parse(xhr.responseText);
            var first = Array.isArray(body) ? body[0] : body;
            if (xhr.status >= 400) text = (first && first.meldung) || "abgelehnt";
          } catch (_) {
            if (xhr.status >= 400) text = "abgelehnt";
          }
          bar.value = 100;
          status.textContent = " " + text;
          li.className = xhr.status >= 400 ? "pk-progress--fehler" : "pk-progress--ok";
          done();
        });
        xhr.addEventListener("error", function () {
          status.textContent = " Übertragung fehlgeschlagen";
          li.className = "pk-progress--fehler";
          done();
        });
        xhr.send(data);
      });
      function done() {
        pending -= 1;
        if (pending === 0 && window.htmx) {
          var dokumente = form.action.split("?")[0];
          window.htmx.ajax("GET", dokumente, { target: "#dokumente", select: "#dokumente", swap: "outerHTML" });
          // The checklist counts the new files too (and polls while they are checked).
          if (document.getElementById("checkliste")) {
            window.htmx.ajax("GET", dokumente.replace(/\/dokumente$/, "/checkliste"), { target: "#checkliste", select: "#checkliste", swap: "outerHTML" });
          }
          input.value = "";
        }
      }
    });
  });
})();
