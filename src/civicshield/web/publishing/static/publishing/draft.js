// Live character count while typing (progressive enhancement: the server shows the count too).
(function () {
  "use strict";
  var counter = document.getElementById("char-counts");
  var text = document.getElementById("id_text");
  if (!counter || !text) { return; }
  var limit = parseInt(counter.getAttribute("data-limit"), 10);
  var url = /(?:https?:\/\/|www\.)[^\s<>"']+/gi;
  function graphemes(value) {
    if (window.Intl && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter("en", { granularity: "grapheme" }).segment(value)).length;
    }
    return Array.from(value).length;
  }
  function update() {
    var value = text.value;
    var mastodon = Array.from(value.replace(url, "x".repeat(23))).length;
    var bluesky = graphemes(value);
    counter.textContent = "Characters: Mastodon " + mastodon + "/500 · Bluesky " + bluesky + "/300";
    var own = limit === 300 ? bluesky : mastodon;
    counter.classList.toggle("over-limit", own > limit);
  }
  text.addEventListener("input", update);
})();
