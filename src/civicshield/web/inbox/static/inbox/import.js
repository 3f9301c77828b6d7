// Poll an import's progress and update the page until it is done.
"use strict";
(() => {
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  const bar = box.querySelector("progress");
  const tick = async () => {
    const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    for (const [key, value] of Object.entries(data)) {
      const el = box.querySelector(`[data-field="${key}"]`);
      if (el) el.textContent = value;
    }
    if (data.status === "done" || data.status === "failed") {
      bar.value = 1;
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 500);
})();
