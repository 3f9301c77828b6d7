// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

// The live count of open critical items beside "Abuse inbox" in the navigation.
document.addEventListener("DOMContentLoaded", () => {
  const badge = document.getElementById("live-count");
  if (!badge) return;
  const refresh = async () => {
    try {
      const response = await fetch(badge.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      badge.textContent = data.open_critical;
      badge.hidden = !data.open_critical;
      badge.setAttribute("aria-label", `${data.open_critical} critical`);
    } catch (error) { /* offline for a moment: try again next time */ }
  };
  refresh();
  setInterval(refresh, 60000);
});
