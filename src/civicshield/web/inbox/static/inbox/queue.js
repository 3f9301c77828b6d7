// Keyboard shortcuts for the triage queue (progressive enhancement).
"use strict";
(() => {
  const rows = Array.from(document.querySelectorAll("table.queue tbody tr[data-url]"));
  const form = document.getElementById("queue-form");
  if (!rows.length || !form) return;
  let current = 0;
  const focusRow = (i) => {
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, n) => r.classList.toggle("current", n === current));
    rows[current].querySelector("a").focus();
  };
  const submit = (action) => {
    const checked = form.querySelectorAll("input[name=ids]:checked");
    if (!checked.length) rows[current].querySelector("input[name=ids]").checked = true;
    form.querySelector("select[name=action]").value = action;
    form.submit();
  };
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      j: () => focusRow(current + 1), k: () => focusRow(current - 1),
      o: () => { window.location = rows[current].dataset.url; },
      x: () => { const box = rows[current].querySelector("input[name=ids]"); box.checked = !box.checked; },
      r: () => submit("in_review"), a: () => submit("actioned"), d: () => submit("dismissed"),
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
})();
