// Simak console keyboard: progressive enhancement only; every action is a plain form POST.
(function () {
  "use strict";
  var KEY = "simak-queue-index";
  var AFTER = "simak-queue-approved";  // the row just approved with "a": go on past it
  // Whether leaving this page now makes the browser ask first (an edited, unsaved draft).
  var willAsk = function () { return false; };

  function typing(ev) {
    var t = ev.target;
    // a ticked checkbox or radio keeps its focus, but nothing is typed into it: j/k go on
    var box = t && t.tagName === "INPUT" && (t.type === "checkbox" || t.type === "radio");
    return t && !box && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  // A focused link or button: Enter is its own (a keyboard user who tabbed to "Next" or
  // "Sign out" gets that, not the current row opened).
  function pressable(ev) {
    var t = ev.target;
    return t && t.closest && Boolean(t.closest("a[href], button, summary"));
  }

  // Which queue page this is: its filters and place, not the message an action left.
  function pageName() {
    var params = new URLSearchParams(window.location.search), kept = [];
    params.forEach(function (value, name) {
      if (value && name !== "msg") { kept.push(name + "=" + value); }
    });
    return kept.sort().join("&");
  }

  // The queue page last shown in this tab (its filters and page, not its message): where
  // "q" and "Back to the queue" on an item's page go, so opening an item keeps the filter.
  var QUEUE = "simak-queue-url";
  function queueUrl() {
    var params = new URLSearchParams(window.location.search);
    params.delete("msg");
    var kept = params.toString();
    return "/queue" + (kept ? "?" + kept : "");
  }

  function queuePage() {
    if (!document.getElementById("queue")) { return; }
    sessionStorage.setItem(QUEUE, queueUrl());
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr.item"));
    if (!rows.length) { return; }
    // The cursor is this page's: coming back to it (after acting on a row) keeps its place,
    // another page (Next, Previous, a filter) starts at its first row.
    var here = pageName();
    var kept = JSON.parse(sessionStorage.getItem(KEY) || "null") || {};
    var index = kept.page === here ? Math.min(parseInt(kept.index, 10) || 0, rows.length - 1) : 0;
    var approved = document.getElementById("row-" + sessionStorage.getItem(AFTER));
    sessionStorage.removeItem(AFTER);
    if (approved && rows.indexOf(approved) >= 0) { index = Math.min(rows.indexOf(approved) + 1, rows.length - 1); }
    function select(i) {
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("current", n === index); r.setAttribute("aria-selected", n === index ? "true" : "false"); });
      rows[index].scrollIntoView({ block: "nearest" });
      sessionStorage.setItem(KEY, JSON.stringify({ page: here, index: index }));
    }
    function submit(cls) {
      var form = rows[index].querySelector("form." + cls);
      if (form) { form.requestSubmit(); }
    }
    function count() {
      var n = document.querySelectorAll("#queue input[name=selected]:checked").length;
      document.getElementById("selected-count").textContent = String(n);
    }
    document.querySelectorAll("#queue input[name=selected]").forEach(function (c) { c.addEventListener("change", count); });
    select(index);
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      if (ev.key === "Enter" && pressable(ev)) { return; }  // Enter on a link: follow it
      var row = rows[index];
      switch (ev.key) {
        case "j": select(index + 1); break;
        case "k": select(index - 1); break;
        case "a":  // approve and go on: the next page load selects the row after this one
          if (!row.querySelector("form.act-approve")) { select(index + 1); break; }  // nothing to approve
          sessionStorage.setItem(AFTER, row.dataset.id);
          submit("act-approve");
          break;
        case "s": submit("act-send"); break;
        case "e": window.location.href = "/followups/" + row.dataset.id + "?edit=1"; break;
        case "o": case "Enter": window.location.href = "/followups/" + row.dataset.id; break;
        case "x":  // only rows that can be approved have a box
          var box = row.querySelector("input[name=selected]");
          if (box) { box.checked = !box.checked; count(); }
          break;
        case "A":
          var n = document.querySelectorAll("#queue input[name=selected]:checked").length;
          if (n && window.confirm("Approve these " + n + " on this page?")) { document.getElementById("bulk").requestSubmit(); }
          break;
        case "?": var h = document.getElementById("help"); h.hidden = !h.hidden; break;
        default: return;
      }
      ev.preventDefault();
    });
  }

  // An edited, unsaved draft is never lost behind the staff's back: "Approve" then saves
  // the text on screen and approves that (what the approver saw), the other actions ask
  // before dropping it, and so does the browser before leaving the page any other way (a
  // link, q, a label correction, closing the tab).
  function guardUnsaved(draft) {
    var subject = document.querySelector("#edit input[name=subject]");
    var leaving = false;  // the draft is being saved, or staff chose to drop it
    function dirty() {
      return draft.value !== draft.defaultValue || (subject && subject.value !== subject.defaultValue);
    }
    document.getElementById("edit").addEventListener("submit", function () { leaving = true; });
    document.querySelectorAll(".actions form").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!dirty()) { return; }
        ev.preventDefault();
        if (form.classList.contains("act-approve")) {
          document.getElementById("save-approve").click();
        } else if (window.confirm("Your changes to the draft are not saved. Drop them and go on?")) {
          leaving = true;
          form.submit();
        }
      });
    });
    willAsk = function () { return !leaving && dirty(); };
    window.addEventListener("beforeunload", function (ev) {
      if (!willAsk()) { return; }
      ev.preventDefault();
      ev.returnValue = "";  // older browsers ask only when this is set
    });
  }

  // Words typed are not lost when a save is refused, loses a race or finds the session
  // gone: the edit form keeps what it posts in this tab's sessionStorage, and the page it
  // comes back to (at once, or after signing in again) shows them unless they were saved.
  function keepTyped(head, draft) {
    var key = "simak-draft-" + head.dataset.id, version = head.dataset.version;
    var form = document.getElementById("edit");
    var subject = document.querySelector("#edit input[name=subject]");
    if (form) {
      form.addEventListener("submit", function () {
        sessionStorage.setItem(key, JSON.stringify({
          text: draft.value, subject: subject ? subject.value : null, version: version }));
      });
    }
    var kept = JSON.parse(sessionStorage.getItem(key) || "null");
    sessionStorage.removeItem(key);
    if (!kept) { return; }
    // the subject counts as typed only when it differs from the one on this page now
    var keptSubject = kept.subject && subject && kept.subject !== subject.defaultValue ? kept.subject : null;
    var keptText = kept.text.trim() && !(draft && kept.text === draft.defaultValue) ? kept.text : null;
    if (!keptText && !keptSubject) { return; }
    document.getElementById("unsaved").hidden = false;
    if (draft && kept.version === version && !document.getElementById("stale")) {
      if (keptText) { draft.value = keptText; }  // nothing changed underneath: go on
      if (keptSubject) { subject.value = keptSubject; }
      document.getElementById("unsaved-back").hidden = false;
    } else {
      if (keptText) {
        document.getElementById("seen-draft").textContent = keptText;
        document.getElementById("seen-draft-box").hidden = false;
      }
      if (keptSubject) {
        document.getElementById("seen-subject").textContent = keptSubject;
        document.getElementById("seen-subject-box").hidden = false;
      }
    }
  }

  function followupPage() {
    var head = document.getElementById("followup");
    if (!head) { return; }
    var draft = document.getElementById("draft");  // absent where the draft cannot change
    var back = sessionStorage.getItem(QUEUE) || "/queue";
    var link = document.getElementById("to-queue");
    if (link) { link.href = back; }
    keepTyped(head, draft);
    if (draft) { guardUnsaved(draft); }
    if (draft && /[?&]edit=1/.test(window.location.search)) { draft.focus(); }
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && typing(ev)) { ev.target.blur(); return; }
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && draft && ev.target === draft) {
          // save and approve; where approving is not allowed (do not contact), only save
          (document.getElementById("save-approve") ||
           document.querySelector("#edit button[value=save]")).click();
        }
        return;
      }
      var forms = { a: "act-approve", s: "act-send", d: "act-dismiss" };
      if (ev.key === "e" && draft) { draft.focus(); ev.preventDefault(); }
      else if (ev.key === "q") { window.location.href = back; }
      else if (ev.key === "?") { var h = document.getElementById("help"); h.hidden = !h.hidden; }
      else if (forms[ev.key]) {
        var form = document.querySelector("form." + forms[ev.key]);  // absent: not allowed now
        // one key must not take a customer off the queue by accident: d asks first
        var sure = ev.key !== "d" || window.confirm("Dismiss follow-up " + head.dataset.id +
          "? It leaves the queue unanswered (Reopen brings it back).");
        if (form && sure) { form.requestSubmit(); }
        ev.preventDefault();
      }
    });
  }

  // A button pressed twice posts once: a slow action (a send waiting on the mail server)
  // clicked again, or a key pressed twice, would post the same version again, and that
  // second post is refused as "changed since you opened it" while the first goes through.
  // A form the browser may yet keep the page for (it asks first: an unsaved draft) stays
  // usable; so does every form of a page shown again from the browser's history.
  function submitOnce() {
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (ev.defaultPrevented || form.method !== "post") { return; }
      if (form.dataset.sent) { ev.preventDefault(); return; }
      if (willAsk()) { return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
    });
    window.addEventListener("pageshow", function (ev) {
      if (!ev.persisted) { return; }
      document.querySelectorAll("form[data-sent]").forEach(function (form) {
        delete form.dataset.sent;
        form.removeAttribute("aria-busy");
      });
    });
  }

  // A page that shows a secret once (a generated password) answers a form POST: make its
  // history entry a plain GET of the page it names, so a reload neither resubmits the form
  // (which would make another password) nor shows this one again.
  function shownOnce() {
    var shown = document.querySelector("[data-shown-once]");
    if (shown && window.history.replaceState) {
      window.history.replaceState(null, "", shown.dataset.shownOnce);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    shownOnce(); submitOnce(); queuePage(); followupPage();
  });
})();
