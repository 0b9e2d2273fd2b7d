// Simak console keyboard: progressive enhancement only; every action is a plain form POST.
(function () {
  "use strict";
  var KEY = "simak-queue-index";

  function typing(ev) {
    var t = ev.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function queuePage() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr.item"));
    if (!rows.length) { return; }
    var index = Math.min(parseInt(sessionStorage.getItem(KEY) || "0", 10) || 0, rows.length - 1);
    function select(i) {
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("current", n === index); r.setAttribute("aria-selected", n === index ? "true" : "false"); });
      rows[index].scrollIntoView({ block: "nearest" });
      sessionStorage.setItem(KEY, String(index));
    }
    function submit(cls) {
      var form = rows[index].querySelector("form." + cls);
      if (form) { form.submit(); }
    }
    function count() {
      var n = document.querySelectorAll("#queue input[name=selected]:checked").length;
      document.getElementById("selected-count").textContent = String(n);
    }
    document.querySelectorAll("#queue input[name=selected]").forEach(function (c) { c.addEventListener("change", count); });
    select(index);
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      var row = rows[index];
      switch (ev.key) {
        case "j": select(index + 1); break;
        case "k": select(index - 1); break;
        case "a": submit("act-approve"); break;  // the row then leaves; the same index is the next one
        case "s": submit("act-send"); break;
        case "e": window.location.href = "/followups/" + row.dataset.id + "?edit=1"; break;
        case "o": case "Enter": window.location.href = "/followups/" + row.dataset.id; break;
        case "x": var box = row.querySelector("input[name=selected]"); box.checked = !box.checked; count(); break;
        case "A":
          var n = document.querySelectorAll("#queue input[name=selected]:checked").length;
          if (n && window.confirm("Approve these " + n + " on this page?")) { document.getElementById("bulk").submit(); }
          break;
        case "?": var h = document.getElementById("help"); h.hidden = !h.hidden; break;
        default: return;
      }
      ev.preventDefault();
    });
  }

  function followupPage() {
    var draft = document.getElementById("draft");
    if (!draft) { return; }
    if (/[?&]edit=1/.test(window.location.search)) { draft.focus(); }
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && typing(ev)) { ev.target.blur(); return; }
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target === draft) {
          document.getElementById("save-approve").click();
        }
        return;
      }
      var forms = { a: "act-approve", s: "act-send", d: "act-dismiss" };
      if (ev.key === "e") { draft.focus(); ev.preventDefault(); }
      else if (ev.key === "q") { window.location.href = "/queue"; }
      else if (forms[ev.key]) { document.querySelector("form." + forms[ev.key]).submit(); ev.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { queuePage(); followupPage(); });
})();
